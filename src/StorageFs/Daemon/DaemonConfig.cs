using System.Text.Json;
using System.Text.Json.Serialization;

namespace StorageFs.Daemon;

/// <summary>
/// The daemon's configuration: a JSON file (<c>--config</c>), else this embedded default —
/// state in /var/lib/storagefs, pools allowed under /var/lib/storagefs and /srv, and a ready
/// <c>default</c> dir pool (…/images) and <c>default</c> dir fspool (…/fs).
/// </summary>
public sealed record DaemonConfig
{
    /// <summary>Definitions live in <c>StateDir/config</c>; the default pools below it.</summary>
    public string StateDir { get; init; } = "/var/lib/storagefs";

    /// <summary>Directories pool and fspool targets must lie in (exactly these: the default pools
    /// are made only when the state directory lies in one; StateDir/config is never a target).</summary>
    public List<string> AllowedDirectories { get; init; } = ["/var/lib/storagefs", "/srv"];

    /// <summary>Create, build, start and autostart the <c>default</c> pool and fspool when they are not defined.</summary>
    public bool DefaultPools { get; init; } = true;

    /// <summary>Let users other than root in (reading info and xml); changes stay root-only.</summary>
    public bool AllowOther { get; init; } = true;

    /// <summary>Runtime directory for once-per-boot autostart markers.</summary>
    public string RuntimeDir { get; init; } = "/run/storagefs";

    /// <summary>
    /// Open files and directories in the mount one user other than root may hold at once; beyond
    /// it opens fail with EMFILE for that user alone. Null: a sixteenth of the descriptor table
    /// left after the daemon's reserve (docs/ARCHITECTURE.md, Limits); 0: no per-user limit.
    /// </summary>
    public int? MaxOpenPerUser { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static DaemonConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DaemonConfig>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty configuration");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });
}
