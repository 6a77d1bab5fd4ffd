namespace StorageFs.IntegrationTests.Tree;

/// <summary>
/// An <c>info</c> file as read: <c>Key: value</c> lines in the virsh layout (the label and its
/// colon padded to 15 columns, a space, the value), in order, then an empty line as virsh prints.
/// </summary>
public sealed class InfoFile
{
    private InfoFile(IReadOnlyList<KeyValuePair<string, string>> fields) => Fields = fields;

    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    public IEnumerable<string> Keys => Fields.Select(f => f.Key);

    public string this[string key] => Fields.FirstOrDefault(f => f.Key == key).Value
        ?? throw new KeyNotFoundException($"no '{key}:' line in info (keys: {string.Join(", ", Keys)})");

    /// <summary>The value's first word as a number (vol-info prints "1024 bytes").</summary>
    public ulong Number(string key) => ulong.Parse(this[key].Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Parses <paramref name="text"/>, failing the test on a line that is not in the layout.</summary>
    public static InfoFile Parse(string text)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0 && line.Length > 16 && line[15] == ' ' && line[(colon + 1)..15].Trim().Length == 0,
                $"info line not in the virsh '%-15s %s' layout: \"{line}\"\n--- info ---\n{text}");
            fields.Add(new(line[..colon], line[16..]));
        }
        return new InfoFile(fields);
    }
}
