namespace StorageFs.IntegrationTests.Fixtures;

/// <summary>backing/ served with FUSE passthrough, every request traced (-v) so tests can see which reach the daemon.</summary>
public sealed class PassthroughBackingFixture : IDisposable
{
    public PassthroughBackingFixture() => Mount = DemoMount.Start(backing: true, "-v", "--allow-other");

    public DemoMount Mount { get; }

    public void Dispose() => Mount.Dispose();
}
