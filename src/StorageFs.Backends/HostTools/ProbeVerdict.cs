namespace StorageFs.Backends.HostTools;

/// <summary>What a device holds compared with the format a pool wants (libvirt's
/// <c>virStorageBackendBLKIDProbeResult</c>, src/storage/storage_util.c).</summary>
public enum ProbeVerdict
{
    /// <summary>No signature at all: the device is empty.</summary>
    Empty,

    /// <summary>The wanted format is there.</summary>
    Match,

    /// <summary>Something else is there.</summary>
    Different,
}
