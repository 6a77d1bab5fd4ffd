using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Events;
using StorageFs.Core.Persistence;
using Xunit.Abstractions;

namespace StorageFs.Core.Tests.Persistence;

/// <summary>
/// Kills a process that writes through the real <see cref="DefinitionStore"/> with SIGKILL at
/// random instants, then checks the directory: every acknowledged operation is there, the one
/// in flight is either fully there or not at all, no file is damaged, no temp file survives
/// Load. SIGKILL tests atomicity and ack-after-completion; the fsyncs that make the same hold
/// across a power cut cannot be exercised without a block-device fault injector.
/// </summary>
public sealed partial class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Lanes = 2;
    private const int KillsPerLane = 100;

    /// <summary>
    /// Each kill costs a .NET process start (~150 ms here, more on a loaded machine), so
    /// the run also stops at this budget; it must still reach <see cref="MinimumKills"/>.
    /// </summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);
    private const int MinimumKills = 60;

    [Fact]
    public async Task SigkillAtRandomInstants_LosesNoAcknowledgedDefinition_AndLeavesNoHalfWrittenOne()
    {
        var stopwatch = Stopwatch.StartNew();
        LaneStats[] stats = await Task.WhenAll(Enumerable.Range(0, Lanes).Select(lane => Task.Run(() => RunLane(lane, stopwatch))));
        int kills = stats.Sum(s => s.Kills);

        output.WriteLine(
            "{0} kills in {1:F1} s: {2} acknowledged operations, {3} kills with an operation in flight, {4} with a temp file on disk, {5} during recovery",
            kills, stopwatch.Elapsed.TotalSeconds, stats.Sum(s => s.Acks), stats.Sum(s => s.InFlight),
            stats.Sum(s => s.TempFilesSeen), stats.Sum(s => s.BeforeReady));
        Assert.True(kills >= MinimumKills, $"only {kills} kills fit in {Budget.TotalSeconds} s");
        Assert.True(stats.Sum(s => s.Acks) >= kills, "the writer barely wrote anything; the test proved nothing");
        Assert.True(stats.Sum(s => s.InFlight) > kills / 2, "too few kills landed mid-operation");
    }

    private sealed record LaneStats(int Kills, int Acks, int InFlight, int TempFilesSeen, int BeforeReady);

    private static async Task<LaneStats> RunLane(int lane, Stopwatch clock)
    {
        using var dir = new TempDirectory();
        var random = new Random(4242 + lane);
        var model = new Dictionary<string, (long Generation, DefinitionFlags Flags)>();
        int acks = 0, inFlight = 0, temps = 0, beforeReady = 0;

        int kill = 0;
        for (; kill < KillsPerLane && clock.Elapsed < Budget; kill++)
        {
            bool early = random.Next(100) < 15;
            string text = await RunAndKill(dir.Path, random.Next(), (kill + 1) * 10_000_000L, early, random);
            string[] lines = text.Split('\n')[..^1]; // the last element is empty or a line cut by the kill
            beforeReady += lines.Contains("READY") ? 0 : 1;

            (string[] Op, bool Acked)? pending = null;
            foreach (string line in lines.Where(l => l != "READY"))
            {
                if (line == "ACK")
                {
                    Apply(model, pending!.Value.Op);
                    acks++;
                    pending = null;
                }
                else
                {
                    pending = (line.Split(' ')[1..], false);
                }
            }

            temps += Directory.Exists(Path.Combine(dir.Path, "pools"))
                && Directory.EnumerateFiles(Path.Combine(dir.Path, "pools"), DurableFileTempPattern).Any() ? 1 : 0;

            Dictionary<string, (long Generation, DefinitionFlags Flags)> actual = LoadChecked(dir.Path);
            string? flying = null;
            if (pending is { } p)
            {
                inFlight++;
                flying = p.Op[1];
                var after = new Dictionary<string, (long, DefinitionFlags)>(model);
                Apply(after, p.Op);
                bool before = Same(model, actual, flying), done = Same(after, actual, flying);
                Assert.True(before || done, $"lane {lane} kill {kill}: in-flight '{string.Join(' ', p.Op)}' left {Describe(actual, flying)}, expected {Describe(model, flying)} or {Describe(after, flying)}");
                if (done)
                {
                    Apply(model, p.Op);
                }
            }

            foreach (string name in model.Keys.Union(actual.Keys).Where(n => n != flying))
            {
                Assert.True(Same(model, actual, name), $"lane {lane} kill {kill}: acknowledged state of {name} is {Describe(model, name)} but disk has {Describe(actual, name)}");
            }
        }

        return new LaneStats(kill, acks, inFlight, temps, beforeReady);
    }

    private const string DurableFileTempPattern = ".tmp-*";

    /// <summary>
    /// Starts the writer and SIGKILLs it at a random instant: either blind, 0-200 ms after
    /// start (often during its recovery Load), or after it acknowledged a random number of
    /// operations plus 0-7 ms, which lands inside the next operation whatever the machine's
    /// speed. Returns what the writer printed.
    /// </summary>
    private static async Task<string> RunAndKill(string stateDir, int seed, long firstGeneration, bool early, Random random)
    {
        string writer = Path.Combine(AppContext.BaseDirectory, "StorageFs.Core.CrashWriter.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { writer, stateDir, seed.ToString(CultureInfo.InvariantCulture), firstGeneration.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_TieredPGO"] = "0";
        int wantedAcks = random.Next(0, 5);
        using Process process = Process.Start(start)!;
        var text = new StringBuilder();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task reader = Task.Run(async () =>
        {
            char[] buffer = new char[4096];
            int n, acks = 0;
            bool ready = false;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (text)
                {
                    int from = Math.Max(0, text.Length - 3);
                    text.Append(buffer, 0, n);
                    ready = ready || text.ToString().StartsWith("READY\n", StringComparison.Ordinal);
                    for (int i = text.ToString().IndexOf("ACK\n", from, StringComparison.Ordinal); i >= 0; i = text.ToString().IndexOf("ACK\n", i + 4, StringComparison.Ordinal))
                    {
                        acks++;
                    }

                    if (ready && acks >= wantedAcks)
                    {
                        reached.TrySetResult();
                    }
                }
            }

            reached.TrySetResult();
        });

        if (early)
        {
            await Task.Delay(random.Next(0, 200));
        }
        else
        {
            await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(random.Next(0, 8));
        }

        process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync();
        await reader;
        return text.ToString();
    }

    /// <summary>Loads with a fresh store; any corrupt file or logged error fails the test.</summary>
    private static Dictionary<string, (long Generation, DefinitionFlags Flags)> LoadChecked(string stateDir)
    {
        var sink = new CollectingSink();
        var store = new DefinitionStore(stateDir, new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger());
        IReadOnlyList<StoredDefinition> loaded = store.Load();

        Assert.DoesNotContain(sink.Events, e => e.Level >= LogEventLevel.Warning);
        Assert.False(Directory.Exists(Path.Combine(stateDir, "pools", "corrupt")), "a file was moved aside as corrupt");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(stateDir, "pools"), DurableFileTempPattern));
        return loaded.ToDictionary(
            d => d.Name,
            d => (long.Parse(Generation().Match(d.Xml).Groups[1].Value, CultureInfo.InvariantCulture), d.Flags));
    }

    private static void Apply(Dictionary<string, (long Generation, DefinitionFlags Flags)> model, string[] op)
    {
        string name = op[1];
        switch (op[0])
        {
            case "SAVE":
                DefinitionFlags flags = model.TryGetValue(name, out var old) ? old.Flags : DefinitionFlags.Default;
                model[name] = (long.Parse(op[2], CultureInfo.InvariantCulture), flags);
                break;
            case "FLAGS":
                model[name] = (model[name].Generation, new DefinitionFlags(op[2] == "yes", Enum.Parse<IntendedState>(op[3])));
                break;
            case "DELETE":
                model.Remove(name);
                break;
            default:
                throw new InvalidOperationException("unknown operation " + op[0]);
        }
    }

    private static bool Same(
        Dictionary<string, (long Generation, DefinitionFlags Flags)> a,
        Dictionary<string, (long Generation, DefinitionFlags Flags)> b,
        string name) =>
        a.TryGetValue(name, out var x) == b.TryGetValue(name, out var y) && x == y;

    private static string Describe(Dictionary<string, (long Generation, DefinitionFlags Flags)> m, string name) =>
        m.TryGetValue(name, out var v) ? $"generation {v.Generation} {v.Flags}" : "absent";

    [GeneratedRegex("<description>generation ([0-9]+) ")]
    private static partial Regex Generation();
}
