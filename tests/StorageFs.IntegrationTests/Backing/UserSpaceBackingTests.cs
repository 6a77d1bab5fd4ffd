namespace StorageFs.IntegrationTests.Backing;

/// <summary><see cref="BackingSuite"/> with <c>--no-passthrough</c>: the daemon serves the bytes with pread/pwrite.</summary>
public sealed class UserSpaceBackingTests(UserSpaceBackingFixture fixture)
    : BackingSuite(fixture.Mount, passthrough: false), IClassFixture<UserSpaceBackingFixture>;
