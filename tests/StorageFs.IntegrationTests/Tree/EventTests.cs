using System.Text.RegularExpressions;

namespace StorageFs.IntegrationTests.Tree;

/// <summary><c>events</c>: a blocking stream read with cat, one record per change.</summary>
public sealed partial class EventTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private readonly TreeMount _tree = fixture.Mount;

    [Fact]
    public void CatEventsInTheBackground_SeesEveryLaterChange_InOrderWithIncreasingNumbers()
    {
        string p = _tree.NewName("ev");

        string stream = _tree.Ok($$"""
            cat "$M/events" > "$W/events.{{p}}" &
            reader=$!
            # the stream starts at open: wait until cat holds the file
            for i in $(seq 100); do ls -l /proc/$reader/fd 2>/dev/null | grep -q "$M/events" && break; sleep 0.05; done
            echo "{{_tree.PoolXml(p)}}" > "$M/define"
            echo build > "$M/pools/{{p}}/ctl"
            echo start > "$M/pools/{{p}}/ctl"
            echo x > "$M/pools/{{p}}/volumes/v"
            rm "$M/pools/{{p}}/volumes/v"
            echo stop > "$M/pools/{{p}}/ctl"
            echo "undefine {{p}}" > "$M/pools/{{p}}/ctl"
            for i in $(seq 100); do grep -q "event=undefined object=pools/{{p}}$" "$W/events.{{p}}" && break; sleep 0.05; done
            kill $reader
            wait $reader || true
            cat "$W/events.{{p}}"
            """);

        string[] lines = stream.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        long previous = 0;
        var mine = new List<string>();
        foreach (string line in lines)
        {
            Match m = Record().Match(line);
            Assert.True(m.Success, $"not an event record: \"{line}\"\n--- stream ---\n{stream}");
            long seq = long.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture);
            Assert.True(seq > previous, $"sequence numbers do not increase at \"{line}\"\n--- stream ---\n{stream}");
            previous = seq;
            string obj = m.Groups["object"].Value;
            if ((obj == $"pools/{p}" || obj.StartsWith($"pools/{p}/", StringComparison.Ordinal)) && m.Groups["event"].Value != "volume-written")
                mine.Add($"{m.Groups["event"].Value} {obj}");
        }
        Assert.Equal(
        [
            $"defined pools/{p}", $"built pools/{p}", $"started pools/{p}",
            $"volume-created pools/{p}/volumes/v", $"volume-deleted pools/{p}/volumes/v",
            $"stopped pools/{p}", $"undefined pools/{p}",
        ], mine);
    }

    [GeneratedRegex(@"^(?<seq>[0-9]+) time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z event=(?<event>[a-z-]+) object=(?<object>\S+)( \S+=\S*)*$")]
    private static partial Regex Record();
}
