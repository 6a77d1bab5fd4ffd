namespace StorageFs.Core.Xml;

/// <summary>
/// Flags of <see cref="VolumeXml.Parse(string, StorageFs.Core.Model.PoolDefinition, VolumeParseFlags)"/>,
/// with libvirt's values (<c>VIR_VOL_XML_PARSE_*</c>, storage_conf.h).
/// </summary>
[Flags]
public enum VolumeParseFlags
{
    None = 0,

    /// <summary>Capacity may be absent (it is taken from an input volume when cloning).</summary>
    NoCapacity = 1 << 0,

    /// <summary>Capacity may be absent when a backing store gives it.</summary>
    OptCapacity = 1 << 1,
}
