namespace StorageFs.IntegrationTests.Fixtures;

/// <summary>The suites that share one in-memory mount (<see cref="MemoryFsFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class MemoryFsCollection : ICollectionFixture<MemoryFsFixture>
{
    public const string Name = "in-memory demo mount";
}
