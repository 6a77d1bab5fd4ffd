namespace StorageFs.IntegrationTests.Fixtures;

/// <summary>backing/ served by the daemon with pread/pwrite (<c>--no-passthrough</c>), every request traced (-v), other users allowed.</summary>
public sealed class UserSpaceBackingFixture : IDisposable
{
    public UserSpaceBackingFixture() => Mount = DemoMount.Start(backing: true, "--no-passthrough", "-v", "--allow-other");

    public DemoMount Mount { get; }

    public void Dispose() => Mount.Dispose();
}
