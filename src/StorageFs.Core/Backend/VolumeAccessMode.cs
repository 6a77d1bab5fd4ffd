namespace StorageFs.Core.Backend;

/// <summary>What an open of a volume's data is for: reading (libvirt's download) or writing
/// (its upload). The driver counts both as uses of the volume; a backend opens the data so that
/// the mode asked for works.</summary>
public enum VolumeAccessMode
{
    /// <summary>Read the volume's bytes (libvirt's download).</summary>
    Read,

    /// <summary>Write the volume's bytes (libvirt's upload).</summary>
    Write,
}
