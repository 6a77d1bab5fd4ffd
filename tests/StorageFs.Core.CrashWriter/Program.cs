using System.Globalization;
using System.Text;
using Serilog.Core;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.CrashWriter;

/// <summary>
/// Usage: CrashWriter STATE_DIR SEED FIRST_GENERATION.
/// Recovers the store (Load), prints "READY", then forever picks an operation on one of
/// eight pools and prints "BEGIN &lt;op&gt;" before calling the store and "ACK" after the
/// call returned. Operations: "SAVE name gen padding", "FLAGS name autostart state",
/// "DELETE name". The parent kills it with SIGKILL at a random instant; every operation
/// it saw acknowledged must be on disk, the one in flight may or may not be.
/// Console.Out flushes each line (it is an auto-flushing writer), so an ACK the parent
/// reads was printed after the store call returned.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var store = new DefinitionStore(args[0], Logger.None);
        var random = new Random(int.Parse(args[1], CultureInfo.InvariantCulture));
        long generation = long.Parse(args[2], CultureInfo.InvariantCulture);

        HashSet<string> existing = [.. store.Load().Select(d => d.Name)];
        Console.Out.Write("READY\n");
        while (true)
        {
            string name = "p" + random.Next(8).ToString(CultureInfo.InvariantCulture);
            int roll = random.Next(10);
            if (roll < 6 || !existing.Contains(name))
            {
                generation++;
                int padding = random.Next(0, 48 * 1024);
                Console.Out.Write(FormattableString.Invariant($"BEGIN SAVE {name} {generation} {padding}\n"));
                store.Save(DefinitionKind.Pool, name, UuidOf(name), Document(name, generation, padding));
                existing.Add(name);
            }
            else if (roll < 9)
            {
                bool autostart = random.Next(2) == 0;
                IntendedState state = random.Next(2) == 0 ? IntendedState.Running : IntendedState.Stopped;
                Console.Out.Write(FormattableString.Invariant($"BEGIN FLAGS {name} {(autostart ? "yes" : "no")} {state}\n"));
                store.SetFlags(DefinitionKind.Pool, name, new DefinitionFlags(autostart, state));
            }
            else
            {
                Console.Out.Write(FormattableString.Invariant($"BEGIN DELETE {name}\n"));
                store.Delete(DefinitionKind.Pool, name);
                existing.Remove(name);
            }

            Console.Out.Write("ACK\n");
        }
    }

    /// <summary>Every pool keeps one UUID for life, derived from its name.</summary>
    public static Guid UuidOf(string name) =>
        Guid.Parse("5f5e0000-0000-4000-8000-" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(name)).PadLeft(12, '0'));

    /// <summary>A pool document carrying its generation, padded so writes differ in size.</summary>
    public static string Document(string name, long generation, int padding) =>
        FormattableString.Invariant($"""
        <pool type='dir'>
          <name>{name}</name>
          <uuid>{UuidOf(name)}</uuid>
          <description>generation {generation} {new string('x', padding)}</description>
          <source>
          </source>
          <target>
            <path>/srv/{name}</path>
          </target>
        </pool>

        """);
}
