namespace StorageFs.IntegrationTests.Fixtures;

/// <summary>
/// One daemon serving the in-memory tree with <c>many/</c> holding 1000 files, shared by the
/// suites of <see cref="MemoryFsCollection"/>. Each test works in a directory of its own.
/// </summary>
public sealed class MemoryFsFixture : IDisposable
{
    public const int Populate = 1000;

    public MemoryFsFixture() => Mount = DemoMount.Start(backing: false, "--populate", Populate.ToString(CultureInfo.InvariantCulture));

    public DemoMount Mount { get; }

    public void Dispose() => Mount.Dispose();
}
