using System.Globalization;
using System.Text;
using StorageFs.Fuse.Nodes;
using StorageFs.Vfs.Real;

namespace StorageFs.Demo;

/// <summary>
/// The engine's demonstration filesystem: an in-memory tree that supports every operation the
/// engine carries, plus optional <c>many/</c> (N empty files, for metadata benchmarks) and
/// <c>backing/</c> (a host directory served through passthrough).
/// </summary>
internal static class DemoFs
{
    public static MemDir Build(int populate, RealDir? backing)
    {
        var root = new MemDir(0x1ED /* 0755 */, 0, 0);
        var hello = new MemFile(0x1A4 /* 0644 */, 0, 0);
        hello.Write(0, Encoding.UTF8.GetBytes("Hello from StorageFs\n"), out _);
        root.Add("hello", hello);
        if (populate > 0)
        {
            var many = new MemDir(0x1ED, 0, 0);
            for (int i = 0; i < populate; i++)
                many.Add(string.Create(CultureInfo.InvariantCulture, $"file{i:D6}"), new MemFile(0x1A4, 0, 0));
            root.Add("many", many);
        }
        if (backing is not null)
            root.Add("backing", backing);
        return root;
    }

    /// <summary>Convenience for tests of the node classes without a mount.</summary>
    public static RequestContext Context() => RequestContext.Detached();
}
