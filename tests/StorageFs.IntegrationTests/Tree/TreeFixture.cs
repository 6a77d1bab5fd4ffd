namespace StorageFs.IntegrationTests.Tree;

/// <summary>One daemon serving the tree for a whole test class; each test uses pools of its own names.</summary>
public sealed class TreeFixture : IDisposable
{
    public TreeFixture() => Mount = TreeMount.Start();

    public TreeMount Mount { get; }

    public void Dispose() => Mount.Dispose();
}
