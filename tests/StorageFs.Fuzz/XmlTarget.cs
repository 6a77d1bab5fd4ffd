using System.Text;
using StorageFs.Core;
using StorageFs.Core.Model;
using StorageFs.Core.Xml;

namespace StorageFs.Fuzz;

/// <summary>
/// The XML parsers of Core, as the tree feeds them (the bytes of a written document decoded as
/// UTF-8, as DocumentBuffer does): every input is parsed as a pool, a volume of three pool types
/// whose volume rules differ (file formats, none, partition types), an fspool and an item.
/// Properties: a parse fails only with a StorageException whose code is a bad-input code
/// (<see cref="Documented"/>); a document that parses formats to text that parses again and
/// formats to the same text (format ∘ parse is stable).
/// </summary>
public sealed class XmlTarget : IFuzzTarget
{
    // The three volume-format profiles of PoolTypes.All (dir: file formats, default raw;
    // logical: no <format>; disk: partition types, capacity optional as libvirt's disk backend
    // parses it for an existing partition).
    private static readonly (PoolDefinition Pool, VolumeParseFlags Flags)[] VolumeContexts =
    [
        (new PoolDefinition { Type = PoolType.Dir }, VolumeParseFlags.None),
        (new PoolDefinition { Type = PoolType.Logical }, VolumeParseFlags.OptCapacity),
        (new PoolDefinition { Type = PoolType.Disk }, VolumeParseFlags.NoCapacity),
    ];

    private static readonly FsPoolDefinition FsPool = new() { Type = FsPoolType.Dir };

    public string Name => "xml";

    public void Run(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        Stable("pool", text, PoolXml.Parse, PoolXml.Format);
        foreach (var (pool, flags) in VolumeContexts)
        {
            Stable($"volume of a {pool.Type} pool", text, t => VolumeXml.Parse(t, pool, flags), v => VolumeXml.Format(v, pool));
        }
        Stable("fspool", text, FsPoolXml.Parse, FsPoolXml.Format);
        Stable("fsitem", text, t => FsItemXml.Parse(t, FsPool), FsItemXml.Format);
    }

    /// <summary>The codes a refused document may carry: all are bad input to the tree
    /// (EINVAL or EOPNOTSUPP in ErrnoMap), never an internal error.</summary>
    public static bool Documented(StorageException e) =>
        e.Code is ErrorCode.XmlError or ErrorCode.InvalidArg or ErrorCode.ConfigUnsupported or ErrorCode.NoSupport
        && !string.IsNullOrWhiteSpace(e.Message);

    private static void Stable<T>(string kind, string text, Func<string, T> parse, Func<T, string> format)
    {
        T first;
        try
        {
            first = parse(text);
        }
        catch (StorageException e) when (Documented(e))
        {
            return;
        }
        catch (StorageException e)
        {
            throw new Finding($"{kind}: refused with the undocumented code {e.Code}: {e.Message}");
        }

        string once = format(first);
        T second;
        try
        {
            second = parse(once);
        }
        catch (StorageException e)
        {
            throw new Finding($"{kind}: the formatted document does not parse again ({e.Message}):\n{once}");
        }
        string twice = format(second);
        if (once != twice)
        {
            throw new Finding($"{kind}: formatting is not stable:\n--- parse, format\n{once}--- parse, format, parse, format\n{twice}");
        }
    }
}
