namespace StorageFs.IntegrationTests.Tree;

/// <summary>A daemon whose kernel caches names and attributes inside items for 30 s (<c>itemCacheSeconds</c>).</summary>
public sealed class LongItemCacheFixture : IDisposable
{
    public LongItemCacheFixture() => Mount = TreeMount.StartWithConfig("\"itemCacheSeconds\": 30");

    public TreeMount Mount { get; }

    public void Dispose() => Mount.Dispose();
}
