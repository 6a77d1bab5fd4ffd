namespace StorageFs.Core.Backend;

/// <summary>How a volume's data is opened: for download (read) or upload (write).</summary>
public enum VolumeAccessMode
{
    /// <summary>Read the volume's bytes (libvirt's download).</summary>
    Read,

    /// <summary>Write the volume's bytes (libvirt's upload).</summary>
    Write,
}
