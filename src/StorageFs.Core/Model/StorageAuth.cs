namespace StorageFs.Core.Model;

/// <summary>
/// A pool source's <c>&lt;auth type username&gt;&lt;secret …/&gt;&lt;/auth&gt;</c>
/// (<c>virStorageAuthDef</c>, storage_source_conf.c). Invariant: username non-empty.
/// </summary>
public sealed class StorageAuth
{
    /// <summary>chap (iscsi) or ceph (rbd).</summary>
    public AuthType Type { get; set; }

    /// <summary>User name.</summary>
    public required string Username { get; set; }

    /// <summary>The <c>&lt;secret type='…'&gt;</c> attribute, echoed as given.</summary>
    public string? SecretType { get; set; }

    /// <summary>How the secret is found.</summary>
    public required SecretLookup Secret { get; set; }
}
