using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Files;

/// <summary>
/// DiskDescriptor.xml of a ploop volume (qemu docs/interop/prl-xml.rst; what <c>ploop init</c>
/// and <c>ploop restore-descriptor</c> write): disk parameters (size in sectors and a geometry
/// whose product is that size), one storage covering the whole disk with the image file, and the
/// snapshot list — one root snapshot with the predefined top GUID and an all-zero parent. Written
/// to a temp file, synced and renamed into place. Read back only for the number of snapshots
/// (libvirt refuses upload/download of a ploop volume that has any beyond the root).
/// </summary>
public static class PloopDescriptor
{
    /// <summary>The descriptor's file name.</summary>
    public const string FileName = "DiskDescriptor.xml";

    /// <summary>The image's file name.</summary>
    public const string ImageName = "root.hds";

    /// <summary>The GUID of the top image when the descriptor names no other (prl-xml.rst).</summary>
    public const string TopGuid = "{5fbaabe3-6958-40ff-92a7-860e329aab41}";

    private const string NoGuid = "{00000000-0000-0000-0000-000000000000}";

    /// <summary>The descriptor text for an image with <paramref name="header"/>.</summary>
    public static string Format(PloopHeader header, Guid uid, string name)
    {
        ArgumentNullException.ThrowIfNull(header);
        string S(ulong n) => n.ToString(CultureInfo.InvariantCulture);
        var doc = new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement("Parallels_disk_image", new XAttribute("Version", "1.0"),
                new XElement("Disk_Parameters",
                    new XElement("Disk_size", S(header.Sectors)),
                    new XElement("Cylinders", S(header.Sectors / (PloopHeader.GeometryHeads * PloopHeader.GeometrySectors))),
                    new XElement("Heads", S(PloopHeader.GeometryHeads)),
                    new XElement("Sectors", S(PloopHeader.GeometrySectors)),
                    new XElement("Padding", "0"),
                    new XElement("Encryption", new XElement("Engine", NoGuid), new XElement("Data", "")),
                    new XElement("UID", "{" + uid.ToString("D") + "}"),
                    new XElement("Name", name),
                    new XElement("Miscellaneous", new XElement("CompatLevel", "level2"), new XElement("Bootable", "0"),
                        new XElement("SuspendState", "0"))),
                new XElement("StorageData",
                    new XElement("Storage",
                        new XElement("Start", "0"),
                        new XElement("End", S(header.Sectors)),
                        new XElement("Blocksize", S(header.ClusterSectors)),
                        new XElement("Image",
                            new XElement("GUID", TopGuid),
                            new XElement("Type", "Compressed"),
                            new XElement("File", ImageName)))),
                new XElement("Snapshots",
                    new XElement("TopGUID", TopGuid),
                    new XElement("Shot", new XElement("GUID", TopGuid), new XElement("ParentGUID", NoGuid)))));
        return doc.Declaration + "\n" + doc.Root!.ToString() + "\n";
    }

    /// <summary>Writes (or rewrites) <c>DiskDescriptor.xml</c> in <paramref name="directory"/>
    /// for the image's current header, keeping the disk UID of an existing descriptor.</summary>
    public static void Write(string directory, PloopHeader header, string name)
    {
        var path = Path.Combine(directory, FileName);
        var uid = ReadUid(path) ?? Guid.NewGuid();
        var temp = Path.Combine(directory, "." + FileName + ".new");
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(Format(header, uid, name));
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw StorageErrors.Io(e, $"cannot write ploop descriptor '{path}'");
        }
    }

    /// <summary>Snapshots the descriptor lists (1 for a plain volume).</summary>
    public static int SnapshotCount(string directory)
    {
        var doc = Load(Path.Combine(directory, FileName));
        return doc?.Root?.Element("Snapshots")?.Elements("Shot").Count() ?? 0;
    }

    private static Guid? ReadUid(string path)
    {
        var text = Load(path)?.Root?.Element("Disk_Parameters")?.Element("UID")?.Value.Trim('{', '}');
        return Guid.TryParse(text, out var g) ? g : null;
    }

    private static XDocument? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 20 };
            using var reader = XmlReader.Create(path, settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw StorageErrors.Internal($"cannot parse ploop descriptor '{path}': {e.Message}");
        }
    }
}
