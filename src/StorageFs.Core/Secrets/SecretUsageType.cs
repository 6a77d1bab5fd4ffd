namespace StorageFs.Core.Secrets;

/// <summary>
/// What a secret is for (<c>virSecretUsageType</c>, include/libvirt/libvirt-secret.h), with the
/// element naming its usage id in <c>&lt;usage type='…'&gt;</c> (secret_conf.c): volume → a
/// <c>&lt;volume&gt;</c> path, iscsi → a <c>&lt;target&gt;</c>, ceph, tls and vtpm → a
/// <c>&lt;name&gt;</c>. Lookups by usage match the type and the id together.
/// </summary>
public enum SecretUsageType
{
    /// <summary>No usage (no <c>&lt;usage&gt;</c>, or <c>type='none'</c>): found by UUID only.</summary>
    None,
    /// <summary>A volume's encryption passphrase.</summary>
    Volume,
    /// <summary>A cephx key (rbd pools' <c>&lt;auth type='ceph'&gt;</c>).</summary>
    Ceph,
    /// <summary>An iSCSI CHAP password (iscsi and iscsi-direct pools' <c>&lt;auth type='chap'&gt;</c>).</summary>
    Iscsi,
    /// <summary>A TLS key passphrase.</summary>
    Tls,
    /// <summary>A vTPM state passphrase.</summary>
    Vtpm,
}
