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

    /// <summary>
    /// The FUSE transport after INIT: "auto" (FUSE over io_uring when the kernel offers it, i.e.
    /// /sys/module/fuse/parameters/enable_uring is Y), "on" (required: the mount fails without
    /// it) or "off" (/dev/fuse reads). <c>--uring</c> and <c>-o uring=</c> override it.
    /// </summary>
    public string Uring { get; init; } = "auto";

    /// <summary>
    /// Seconds the kernel may keep names and attributes inside items (fspools' host
    /// directories) without asking the daemon again (0 to 60; default 1). Changes made through
    /// the mount are seen at once whatever the value; a change another program makes on the
    /// host directly shows through the mount within this time, and until then permission checks
    /// use the attributes cached (README, "Items and the kernel's cache").
    /// </summary>
    public double ItemCacheSeconds { get; init; } = 1;

    /// <summary>The largest <see cref="ItemCacheSeconds"/> accepted.</summary>
    public const double MaxItemCacheSeconds = 60;

    /// <summary>
    /// The cluster this host belongs to (docs/CLUSTER.md): etcd endpoints, cluster name, this
    /// host's name, lease TTL, fencing. Null (the default): this host alone, no cluster code runs.
    /// </summary>
    public StorageFs.Cluster.ClusterOptions? Cluster { get; init; }

    /// <summary>
    /// Host-to-host copy (<c>ssh://HOST/POOL/NAME</c> places of clone, archive, restore;
    /// docs/CLUSTER.md): an ssh_config file (<c>configFile</c>), the other hosts' mount point
    /// (<c>remoteTree</c>, default /storage) and zstd's level on the wire (<c>level</c>, 3).
    /// Null: ssh's own defaults.
    /// </summary>
    public StorageFs.Backends.Remote.SshCopyOptions? Ssh { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The configuration read when <c>--config</c> is not given and this file exists.</summary>
    public const string DefaultPath = "/etc/storagefs/storagefs.json";

    // Keys whose values are paths: each must be absolute (the daemon's working directory is not
    // the administrator's).
    private static readonly HashSet<string> PathKeys = ["stateDir", "runtimeDir", "allowedDirectories"];

    /// <summary>
    /// Reads a configuration file: JSON with comments; every key optional. An unknown key, a
    /// value of the wrong type or a relative path throws <see cref="ConfigException"/> naming the
    /// key; an unreadable file throws the IO exception.
    /// </summary>
    public static DaemonConfig Load(string path)
    {
        string text = File.ReadAllText(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ConfigException($"{path}: expected a JSON object {{ \"key\": value, … }}");
            var properties = typeof(DaemonConfig).GetProperties()
                .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.Ordinal);
            foreach (var member in doc.RootElement.EnumerateObject())
            {
                if (!properties.TryGetValue(member.Name, out var property))
                    throw new ConfigException($"{path}: unknown key '{member.Name}' (known: {string.Join(", ", properties.Keys)})");
                object? value;
                try
                {
                    value = member.Value.Deserialize(property.PropertyType, Json);
                }
                catch (JsonException)
                {
                    throw new ConfigException($"{path}: key '{member.Name}': expected {Describe(property.PropertyType)}, got {member.Value.ValueKind.ToString().ToLowerInvariant()} {member.Value.GetRawText()}");
                }
                if (value is null && property.PropertyType.IsValueType == false)
                    throw new ConfigException($"{path}: key '{member.Name}': expected {Describe(property.PropertyType)}, got null");
                if (PathKeys.Contains(member.Name))
                {
                    var paths = value as IEnumerable<string> ?? [(string)value!];
                    foreach (var p in paths)
                    {
                        if (!Path.IsPathFullyQualified(p))
                            throw new ConfigException($"{path}: key '{member.Name}': '{p}' is not an absolute path");
                    }
                }
            }
            var config = doc.RootElement.Deserialize<DaemonConfig>(Json) ?? throw new ConfigException($"{path}: empty configuration");
            if (config.Cluster?.Problem() is { } clusterProblem)
                throw new ConfigException($"{path}: key 'cluster': {clusterProblem}");
            if (config.Ssh?.Problem() is { } sshProblem)
                throw new ConfigException($"{path}: key 'ssh': {sshProblem}");
            if (!UringSetting.TryParse(config.Uring, out _))
                throw new ConfigException($"{path}: key 'uring': {UringSetting.Expected}, got \"{config.Uring}\"");
            if (!(config.ItemCacheSeconds is >= 0 and <= MaxItemCacheSeconds))
                throw new ConfigException($"{path}: key 'itemCacheSeconds': expected seconds from 0 to {MaxItemCacheSeconds}, got {config.ItemCacheSeconds}");
            return config;
        }
    }

    private static string Describe(Type t) =>
        t == typeof(string) ? "a string"
        : t == typeof(bool) ? "true or false"
        : t == typeof(int) || t == typeof(long) ? "a whole number"
        : t == typeof(double) ? "a number"
        : typeof(System.Collections.IEnumerable).IsAssignableFrom(t) ? "an array of strings"
        : t.Name;

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });
}
