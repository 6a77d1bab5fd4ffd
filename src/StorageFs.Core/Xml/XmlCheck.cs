using System.Xml.Linq;
using StorageFs.Core.Model;
using StorageFs.Core.Names;

namespace StorageFs.Core.Xml;

/// <summary>
/// The engine of <c>storagefs xml FILE [--pool POOLFILE]</c>: recognises a pool, fspool,
/// volume or fsitem document by its root element, parses it with the same code the tree uses
/// (plus <see cref="NameRules"/>), and returns it as StorageFs formats it (exit code 0) or
/// <c>error: &lt;message&gt;</c> (exit code 1). A volume is read in the context of the pool
/// document given (else a dir pool), an item in that of the fspool given (else a dir fspool);
/// as at creation time, capacity may be omitted only when a backing store gives it.
/// Target paths are not checked against the allowed directories, which only the daemon's
/// configuration knows. Output always ends with a newline.
/// </summary>
public static class XmlCheck
{
    private const string DocumentName = "(document)";

    public static (int ExitCode, string Output) Run(string documentText, string? poolDocumentText)
    {
        ArgumentNullException.ThrowIfNull(documentText);
        try
        {
            return (0, Check(SafeXml.Load(documentText, DocumentName), poolDocumentText));
        }
        catch (StorageException e)
        {
            return (1, "error: " + e.Message + "\n");
        }
    }

    private static string Check(XElement root, string? poolDocumentText)
    {
        switch (root.Name.LocalName)
        {
            case "pool":
                var pool = PoolXml.Parse(root);
                NameRules.Validate(NameKind.Pool, pool.Name);
                return PoolXml.Format(pool);
            case "fspool":
                var fspool = FsPoolXml.Parse(root);
                NameRules.Validate(NameKind.FsPool, fspool.Name);
                return FsPoolXml.Format(fspool);
            case "volume":
                var info = poolDocumentText is null ? PoolTypes.Get(PoolType.Dir) : ContextPool(poolDocumentText).TypeInfo;
                var volume = VolumeXml.Parse(root, info, VolumeParseFlags.OptCapacity);
                NameRules.Validate(NameKind.Volume, volume.Name);
                return VolumeXml.Format(volume, info);
            case "fsitem" or "item":
                if (poolDocumentText is not null)
                {
                    ContextFsPool(poolDocumentText);
                }
                var item = FsItemXml.Parse(root, VolumeParseFlags.OptCapacity);
                NameRules.Validate(NameKind.FsItem, item.Name);
                return FsItemXml.Format(item);
            default:
                throw LibvirtErrors.Xml(
                    $"unexpected root element <{root.Name.LocalName}>, expecting <pool>, <fspool>, <volume> or <fsitem>");
        }
    }

    private static PoolDefinition ContextPool(string text) =>
        InPoolDocument(() => PoolXml.Parse(SafeXml.Load(text, PoolXml.DocumentName)));

    private static FsPoolDefinition ContextFsPool(string text) =>
        InPoolDocument(() => FsPoolXml.Parse(SafeXml.Load(text, FsPoolXml.DocumentName)));

    private static T InPoolDocument<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (StorageException e)
        {
            throw new StorageException(e.Code, "pool document: " + e.Message, e.OsErrno, e);
        }
    }
}
