using SharpFuzz;

namespace StorageFs.Fuzz;

/// <summary>
/// <c>StorageFs.Fuzz afl TARGET</c>: serve afl-fuzz (run by run-fuzz over instrumented Core and
/// Vfs assemblies). <c>StorageFs.Fuzz replay TARGET PATH...</c>: run files (or every file
/// of directories) through a target once, print each failure with its stack trace, exit 1 if
/// any failed: how a crash from findings/ is reproduced before it becomes a regular test.
/// </summary>
public static class Program
{
    private static readonly string[] Targets = ["xml", "ctl"];

    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "afl" && Targets.Contains(args[1]))
        {
            IFuzzTarget? target = null;
            // Out of process: a target that dies (stack overflow) is reported as a crash and
            // restarted instead of ending the run. The target is built in the child only.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                target ??= Create(args[1]);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target.Run(buffer.ToArray());
            });
            return 0;
        }
        if (args.Length >= 3 && args[0] == "replay" && Targets.Contains(args[1]))
        {
            return Replay(args[1], args[2..]);
        }
        Console.Error.WriteLine($"usage: StorageFs.Fuzz afl TARGET | replay TARGET PATH...   (TARGET: {string.Join(", ", Targets)})");
        return 2;
    }

    private static IFuzzTarget Create(string name) => name switch
    {
        "xml" => new XmlTarget(),
        "ctl" => new CtlTarget(),
        _ => throw new ArgumentException($"no fuzz target '{name}'", nameof(name)),
    };

    private static int Replay(string name, string[] paths)
    {
        // Fuzzer.Run outside afl-fuzz runs the action once over a private trace map: the
        // instrumented build (run-fuzz's bin/) needs one; the uninstrumented one ignores it.
        int result = 2;
        Fuzzer.Run(_ => result = ReplayAll(name, paths));
        return result;
    }

    private static int ReplayAll(string name, string[] paths)
    {
        var target = Create(name);
        try
        {
            int runs = 0, failures = 0;
            foreach (string file in paths.SelectMany<string, string>(p => Directory.Exists(p)
                         ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                         : [p]))
            {
                if (Path.GetFileName(file) == "README.txt")
                {
                    continue; // afl-fuzz's note in findings/*/crashes
                }
                runs++;
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    failures++;
                    Console.WriteLine($"FAIL {file}\n{e}\n");
                }
            }
            Console.WriteLine($"{name}: {runs} inputs, {failures} failed");
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }
}
