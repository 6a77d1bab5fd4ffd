namespace StorageFs.Backends.Devices;

/// <summary>
/// Where the SCSI-family backends read the kernel's view: sysfs under <see cref="Sys"/> and device
/// nodes under <see cref="Dev"/>. Production uses "/"; tests point it at a fixture tree laid out
/// as real sysfs.
/// </summary>
/// <param name="Root">The root directory ("/" on a real host).</param>
public sealed record SysfsRoot(string Root = "/")
{
    /// <summary>The real host.</summary>
    public static SysfsRoot Real { get; } = new();

    /// <summary>sysfs.</summary>
    public string Sys => Path.Combine(Root, "sys");

    /// <summary>Device nodes.</summary>
    public string Dev => Path.Combine(Root, "dev");

    /// <summary>A path under sysfs.</summary>
    public string SysPath(params string[] parts) => Path.Combine([Sys, .. parts]);

    /// <summary>The trimmed content of a sysfs attribute, or null when it does not exist.</summary>
    public string? ReadAttribute(params string[] parts)
    {
        var path = SysPath(parts);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Maps a device node path under /dev to this root (identity on the real host).</summary>
    public string DevPath(string name) => Path.Combine(Dev, name);

    /// <summary>The /dev path a volume reports for a node under this root.</summary>
    public string Reported(string pathUnderRoot) =>
        Root == "/" ? pathUnderRoot : "/" + Path.GetRelativePath(Root, pathUnderRoot);
}
