namespace StorageFs.Core.Model;

/// <summary>
/// A scsi pool's <c>&lt;source&gt;&lt;adapter&gt;</c> in all its forms
/// (<c>virStorageAdapter</c>, src/conf/storage_adapter_conf.c):
/// scsi_host by <see cref="Name"/> or by <see cref="ParentAddress"/> + <see cref="UniqueId"/>;
/// fc_host by <see cref="Wwnn"/>/<see cref="Wwpn"/> with optional parent fields.
/// Invariant after parsing: a scsi_host has exactly one of name and parent address; an
/// fc_host has a valid 16-hex-digit wwnn and wwpn.
/// </summary>
public sealed class StorageAdapter
{
    /// <summary>Adapter kind.</summary>
    public AdapterType Type { get; set; }

    /// <summary>scsi_host: the <c>scsi_hostN</c>/<c>hostN</c> name.</summary>
    public string? Name { get; set; }

    /// <summary>scsi_host: PCI address of the parent HBA (<c>&lt;parentaddr&gt;</c>).</summary>
    public PciAddress? ParentAddress { get; set; }

    /// <summary>scsi_host: <c>parentaddr/@unique_id</c>.</summary>
    public int UniqueId { get; set; }

    /// <summary>fc_host: parent HBA name.</summary>
    public string? Parent { get; set; }

    /// <summary>fc_host: parent's world wide node name.</summary>
    public string? ParentWwnn { get; set; }

    /// <summary>fc_host: parent's world wide port name.</summary>
    public string? ParentWwpn { get; set; }

    /// <summary>fc_host: parent's fabric world wide name.</summary>
    public string? ParentFabricWwn { get; set; }

    /// <summary>fc_host: whether libvirt created (and destroys) the vHBA.</summary>
    public TristateBool Managed { get; set; }

    /// <summary>fc_host: world wide node name.</summary>
    public string? Wwnn { get; set; }

    /// <summary>fc_host: world wide port name.</summary>
    public string? Wwpn { get; set; }
}
