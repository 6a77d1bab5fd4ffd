using Serilog.Events;

namespace StorageFs.Daemon;

/// <summary>
/// The <c>-o</c> option list of the mount.fuse3 form (<c>mount -t fuse.storagefs</c>, fstab):
/// StorageFs' own options are applied to the <see cref="MountOptions"/>; mount(8)'s generic
/// options need nothing from the daemon and are accepted; anything else is a usage error.
/// </summary>
internal static class MountOptionList
{
    // Options mount(8) and mount.fuse3 may pass on that concern the kernel mount or mount(8)
    // itself (FUSE mounts are always nodev,nosuid for the daemon's purposes).
    private static readonly HashSet<string> Generic =
    [
        "rw", "dev", "nodev", "suid", "nosuid", "exec", "noexec", "atime", "noatime", "relatime",
        "strictatime", "nodiratime", "diratime", "auto", "noauto", "user", "nouser", "users", "owner",
        "_netdev", "nofail", "defaults", "async", "sync", "dirsync", "lazytime", "nolazytime", "silent", "loud",
    ];

    /// <summary>Applies <paramref name="list"/> to <paramref name="o"/>; returns null, or the error.</summary>
    public static string? Apply(MountOptions o, string list)
    {
        foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = raw.IndexOf('=');
            string key = eq < 0 ? raw : raw[..eq];
            string? value = eq < 0 ? null : raw[(eq + 1)..];
            switch (key)
            {
                case "allow_other" when value is null:
                    o.AllowOther = true;
                    break;
                case "default_permissions" when value is null:
                    break; // always on: the kernel checks modes before the daemon sees a request
                case "ro" when value is null:
                    o.ReadOnly = true;
                    break;
                case "config" when !string.IsNullOrEmpty(value):
                    o.Config = value;
                    break;
                case "state_dir" when !string.IsNullOrEmpty(value):
                    o.StateDir = value;
                    break;
                case "log_level" when !string.IsNullOrEmpty(value):
                    if (!Enum.TryParse<LogEventLevel>(value, ignoreCase: true, out var level))
                        return $"mount option log_level={value}: expected Verbose, Debug, Information, Warning or Error";
                    o.LogLevel = level;
                    break;
                case "uring" when !string.IsNullOrEmpty(value):
                    if (!UringSetting.TryParse(value, out _))
                        return $"mount option uring={value}: {UringSetting.Expected}";
                    o.Uring = value;
                    break;
                case var g when value is null && Generic.Contains(g):
                    break;
                case var x when x.StartsWith("x-", StringComparison.Ordinal) || x.StartsWith("comment=", StringComparison.Ordinal):
                    break; // userspace options meant for systemd or other tools
                default:
                    return $"unknown mount option '{raw}' (storagefs takes allow_other, default_permissions, ro, config=, state_dir=, log_level=, uring=)";
            }
        }
        return null;
    }
}
