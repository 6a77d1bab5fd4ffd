namespace StorageFs.Core.Model;

/// <summary>
/// <c>&lt;timestamps&gt;</c> of a volume target, output only (set by a refresh from stat);
/// a null field is not formatted.
/// </summary>
public sealed class VolumeTimestamps
{
    /// <summary>Last access.</summary>
    public VolumeTimestamp? Atime { get; set; }

    /// <summary>Last modification.</summary>
    public VolumeTimestamp? Mtime { get; set; }

    /// <summary>Last status change.</summary>
    public VolumeTimestamp? Ctime { get; set; }

    /// <summary>Birth time.</summary>
    public VolumeTimestamp? Btime { get; set; }
}
