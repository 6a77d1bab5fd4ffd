using CommandLine;
using StorageFs.Core.Xml;

namespace StorageFs;

[Verb("xml", HelpText = "Check a pool, fspool, volume or fsitem document and print it as StorageFs formats it (exit 1 and the error if it is invalid).")]
internal sealed class XmlOptions
{
    [Value(0, MetaName = "FILE", Required = true, HelpText = "The document to check ('-' reads standard input).")]
    public string File { get; set; } = "";

    [Option("pool", HelpText = "The pool (or fspool) document that gives a volume (or item) its context.")]
    public string? Pool { get; set; }
}

/// <summary>Runs <c>storagefs xml</c>: the same parser and formatter the tree uses, without a mount.</summary>
internal static class XmlCommand
{
    public static int Run(XmlOptions o)
    {
        string document, pool;
        try
        {
            document = o.File == "-" ? Console.In.ReadToEnd() : System.IO.File.ReadAllText(o.File);
            pool = o.Pool is null ? "" : System.IO.File.ReadAllText(o.Pool);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"storagefs: {ex.Message}");
            return 1;
        }
        var (code, output) = XmlCheck.Run(document, o.Pool is null ? null : pool);
        if (code == 0)
            Console.Out.Write(output);
        else
            Console.Error.Write("storagefs: " + (output.StartsWith("error: ", StringComparison.Ordinal) ? output["error: ".Length..] : output));
        return code;
    }
}
