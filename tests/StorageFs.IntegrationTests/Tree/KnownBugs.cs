namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// Skip reasons of the tree tests that find a bug not fixed yet, each naming the component that
/// lacks the fix. Each test asserts the documented behaviour: delete its
/// Skip once the component is fixed, and the test proves it.
/// </summary>
internal static class KnownBugs
{
}
