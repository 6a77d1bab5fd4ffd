using StorageFs.Core.Names;

namespace StorageFs.Core.Driver;

/// <summary>Configuration of a <see cref="StorageDriver"/>.</summary>
public sealed record StorageDriverOptions
{
    /// <summary>Where pool and fspool targets may live (default: /var/lib/storagefs and /srv).</summary>
    public TargetPathPolicy Policy { get; init; } = new();

    /// <summary>A directory cleared at boot (a tmpfs such as /run/storagefs) where
    /// <see cref="StorageDriver.Load"/> leaves a marker after running autostart, so autostart
    /// runs once per boot, as libvirt's <c>autostarted</c> marker does. Null: autostart runs on
    /// every load.</summary>
    public string? RuntimeDirectory { get; init; }

    /// <summary>The host work behind a volume's archive, restore and snapshot; null: those
    /// commands are refused (EOPNOTSUPP).</summary>
    public Backend.IVolumeToolbox? Toolbox { get; init; }

    /// <summary>The host-to-host copy behind <c>ssh://</c> places of clone, archive and
    /// restore; null: those are refused (EOPNOTSUPP).</summary>
    public Backend.IRemoteCopy? Remote { get; init; }
}
