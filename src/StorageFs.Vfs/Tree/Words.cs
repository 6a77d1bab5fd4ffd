using System.Xml;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Units;

namespace StorageFs.Vfs.Tree;

/// <summary>Parsing of the one-line commands written to <c>ctl</c> and <c>autostart</c> files.</summary>
internal static class Words
{
    // What a fresh handle of each ctl file reads: one command per line.
    public const string PoolUsage = "start\nstop\nbuild [overwrite|no-overwrite] [nowait]\nrefresh\nundefine NAME\ndelete NAME\n";
    public const string FsPoolUsage = "start\nstop\nbuild [nowait]\nrefresh\nundefine NAME\ndelete NAME\n";
    public const string VolumeUsage = "wipe [zero|nnsa|dod|bsi|gutmann|schneier|pfitzner7|pfitzner33|random|trim] [nowait]\nresize SIZE [allocate] [delta] [shrink]\n" +
        CloneCommand.Usage + SnapshotCommand.Usage + ArchiveCommand.Usage + RestoreCommand.Usage + "delete NAME\n" + FilesystemCommands.Usage;
    public const string ItemUsage = "delete NAME [nowait]\n";

    public static string[] Split(string command) =>
        command.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    public static StorageException Invalid(string message) => new(ErrorCode.InvalidArg, message);

    /// <summary>Destructive commands repeat the object's name: <c>delete NAME</c>.</summary>
    public static void ExpectName(string[] w, string verb, string name)
    {
        if (w.Length != 2)
            throw Invalid($"'{verb}' needs the name repeated: {verb} {name}");
        if (w[1] != name)
            throw Invalid($"'{verb} {w[1]}' does not name this object ('{name}')");
    }

    /// <summary>A new name that goes into an XML document (<c>clone NEWNAME</c>): refused when XML
    /// cannot carry one of its characters (control characters, U+FFFE, U+FFFF), which would
    /// otherwise fail while the document is written, as an error the tree does not expect.</summary>
    public static string XmlName(string name)
    {
        try
        {
            return XmlConvert.VerifyXmlChars(name);
        }
        catch (XmlException)
        {
            throw Invalid($"'{name}' cannot be a volume name: it holds a character an XML document cannot carry");
        }
    }

    public static void NoArguments(string[] w)
    {
        if (w.Length != 1)
            throw Invalid($"'{w[0]}' takes no arguments");
    }

    public static PoolBuildFlags BuildFlags(string[] w) => w.Length switch
    {
        1 => PoolBuildFlags.None,
        2 when w[1] == "overwrite" => PoolBuildFlags.Overwrite,
        2 when w[1] == "no-overwrite" => PoolBuildFlags.NoOverwrite,
        _ => throw Invalid("usage: build [overwrite|no-overwrite]"),
    };

    public static bool YesNo(string text) => text.Trim() switch
    {
        "yes" or "1" or "on" => true,
        "no" or "0" or "off" => false,
        _ => throw Invalid($"autostart takes 'yes' or 'no', not '{text.Trim()}'"),
    };

    public static WipeAlgorithm Wipe(string[] w)
    {
        if (w.Length == 1)
            return WipeAlgorithm.Zero;
        // Only the names listed: Enum.TryParse would also take "nnsa,dod" (a flags sum) or "+4".
        if (w.Length == 2 && Enum.GetNames<WipeAlgorithm>().FirstOrDefault(n => n.Equals(w[1], StringComparison.OrdinalIgnoreCase)) is { } name)
            return Enum.Parse<WipeAlgorithm>(name);
        throw Invalid($"unknown wipe algorithm '{string.Join(' ', w[1..])}' (zero, nnsa, dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, random, trim)");
    }

    /// <summary>A size word of a command (virsh's units), its parse error re-worded to name it.</summary>
    public static ulong Size(string word)
    {
        try
        {
            return SizeUnits.ParseUserSize(word);
        }
        catch (StorageException e)
        {
            throw Invalid($"invalid size '{word}': {e.Message}");
        }
    }

    public static (ulong Size, VolumeResizeFlags Flags) Resize(string[] w)
    {
        if (w.Length < 2)
            throw Invalid("usage: resize SIZE [allocate] [delta] [shrink]");
        ulong size = Size(w[1]);
        var flags = VolumeResizeFlags.None;
        foreach (string f in w[2..])
        {
            flags |= f switch
            {
                "allocate" => VolumeResizeFlags.Allocate,
                "delta" => VolumeResizeFlags.Delta,
                "shrink" => VolumeResizeFlags.Shrink,
                _ => throw Invalid($"unknown resize flag '{f}' (allocate, delta, shrink)"),
            };
        }
        return (size, flags);
    }
}
