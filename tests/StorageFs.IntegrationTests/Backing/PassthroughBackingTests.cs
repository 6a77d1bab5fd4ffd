namespace StorageFs.IntegrationTests.Backing;

/// <summary><see cref="BackingSuite"/> with FUSE passthrough: the kernel reads and writes the host files.</summary>
public sealed class PassthroughBackingTests(PassthroughBackingFixture fixture)
    : BackingSuite(fixture.Mount, passthrough: true), IClassFixture<PassthroughBackingFixture>;
