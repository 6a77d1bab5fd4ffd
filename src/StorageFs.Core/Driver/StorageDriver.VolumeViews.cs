using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Core.Driver;

public sealed partial class StorageDriver
{
    /// <summary>What a read of a volume works from, taken under its pool's gate: the pool's
    /// definition, the volume's and the backend.</summary>
    private readonly record struct VolumeView(PoolEntry<PoolDefinition, VolumeDefinition> Entry, PoolDefinition Def, VolumeDefinition Vol, IPoolBackend Backend);

    // The volume as it is now, or null while it is still being created (info's probes skip it).
    private VolumeView? BuiltVolume(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            return child.Building ? null : new VolumeView(entry, entry.Def, child.Def, _backends.Get(entry.Def.Type));
        }
    }

    // The volume a restore fills (from a volume, a file or another host): built, not open for
    // writing (OpenConflict: the ctl's settle wait applies), a raw file or a block volume.
    private VolumeView RestoreTarget(string pool, string volume)
    {
        var entry = _pools.Get(pool);
        VolumeView view;
        lock (entry.Gate)
        {
            var child = _pools.RequireChild(entry, volume);
            PoolLifecycle<PoolDefinition, VolumeDefinition>.RequireBuilt(child, volume);
            if (child.WriteOpens > 0)
            {
                throw StorageErrors.OpenConflict($"volume '{volume}' is open for writing: close it before restoring into it");
            }
            view = new VolumeView(entry, entry.Def, child.Def, _backends.Get(entry.Def.Type));
        }
        var vol = view.Vol;
        if (!(vol.Type == VolumeType.Block || (vol.Type == VolumeType.File && (vol.Target.Format ?? "raw") == "raw")))
        {
            throw StorageErrors.NoSupport(
                $"restore fills raw file and block volumes; '{volume}' is {vol.Target.Format ?? vol.Type.ToString()}: clone it with format=raw first");
        }
        return view;
    }
}
