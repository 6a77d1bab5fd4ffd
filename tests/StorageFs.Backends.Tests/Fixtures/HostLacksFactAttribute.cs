using StorageFs.Core.Model;
using StorageFs.Backends.NetFs;

namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A fact about refusing a pool type (or a netfs protocol) this host cannot run: skipped, saying
/// so, on a host that can run it, where the refusal cannot happen.
/// </summary>
public sealed class HostLacksFactAttribute : FactAttribute
{
    public HostLacksFactAttribute(PoolType type, string? netFsFormat = null)
    {
        var availability = netFsFormat is null ? BackendRegistry.Create().Get(type).Availability() : NetFsSupport.For(netFsFormat);
        if (availability.Runnable)
        {
            Skip = $"this host can run {type.ToXml()} pools{(netFsFormat is null ? "" : $" of format {netFsFormat}")}, so there is no refusal to test";
        }
    }
}
