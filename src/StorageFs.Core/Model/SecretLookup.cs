namespace StorageFs.Core.Model;

/// <summary>
/// How a secret is found: by UUID or by usage string (<c>virSecretLookupTypeDef</c>,
/// src/util/virsecret.c). Invariant: exactly one of the two is set.
/// </summary>
public sealed record SecretLookup
{
    private SecretLookup(Guid? uuid, string? usage)
    {
        Uuid = uuid;
        Usage = usage;
    }

    /// <summary>The secret's UUID, when looked up by UUID.</summary>
    public Guid? Uuid { get; }

    /// <summary>The secret's usage string, when looked up by usage.</summary>
    public string? Usage { get; }

    /// <summary>A lookup by UUID.</summary>
    public static SecretLookup ByUuid(Guid uuid) => new(uuid, null);

    /// <summary>A lookup by usage string.</summary>
    public static SecretLookup ByUsage(string usage) => new(null, usage);
}
