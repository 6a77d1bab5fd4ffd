using CommandLine;
using CommandLine.Text;
using StorageFs.Daemon;

namespace StorageFs;

/// <summary>
/// The storagefs command line: one verb per job, parsed by CommandLineParser set to Unix
/// conventions (getopt style: <c>--opt=value</c>, bundled short options, <c>--</c>). Help
/// (<c>-h</c>, <c>--help</c>, <c>help VERB</c>) goes to stdout with exit 0, <c>--version</c>
/// works after any verb, every error goes to stderr prefixed <c>storagefs:</c>. Exit codes:
/// <see cref="Ok"/>, <see cref="Failure"/>, <see cref="Usage"/>.
/// </summary>
internal static class Cli
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed (the message says why).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or configuration: nothing was attempted.</summary>
    public const int Usage = 2;

    private static readonly Type[] VerbTypes =
        [typeof(MountOptions), typeof(UnmountOptions), typeof(VersionOptions), typeof(XmlOptions), typeof(DemoOptions)];

    public static int Run(string[] args)
    {
        // mount.fuse3 runs "storagefs SOURCE MOUNTPOINT -o OPTIONS" (mount -t fuse.storagefs, fstab).
        if (FuseHelperForm.Matches(args))
            return FuseHelperForm.Run(args);

        int end = Array.IndexOf(args, "--");
        var options = end < 0 ? args : args[..end];
        if (options.Contains("--version"))
        {
            Console.Out.Write(VersionCommand.Text());
            return Ok;
        }
        // -h is --help at every level (CommandLineParser knows only the long form).
        var normalized = args.Select((a, i) => a == "-h" && (end < 0 || i < end) ? "--help" : a).ToArray();

        using var parser = new Parser(s =>
        {
            s.HelpWriter = null; // help and errors are written below, each to its stream
            s.CaseInsensitiveEnumValues = true;
            s.AutoVersion = false; // the version verb and --version are ours: they name the FUSE protocol too
            s.GetoptMode = true;
            s.PosixlyCorrect = false;
        });
        var result = parser.ParseArguments(normalized, VerbTypes);
        return result.MapResult(
            (MountOptions o) => MountCommand.Run(o),
            (UnmountOptions o) => UnmountCommand.Run(o),
            (VersionOptions o) => VersionCommand.Run(o),
            (DemoOptions o) => DemoCommand.Run(o),
            (XmlOptions o) => XmlCommand.Run(o),
            errors => Refuse(result, errors.ToList()));
    }

    /// <summary>Writes an error prefixed <c>storagefs:</c> to stderr and returns <paramref name="code"/>.</summary>
    public static int Fail(string message, int code = Failure)
    {
        Console.Error.WriteLine($"storagefs: {message}");
        return code;
    }

    private static int Refuse(ParserResult<object> result, List<Error> errors)
    {
        if (errors.IsHelp())
        {
            Console.Out.Write(Help(result));
            return Ok;
        }
        var sentences = SentenceBuilder.Create();
        foreach (var e in errors)
        {
            string text = e switch
            {
                NoVerbSelectedError => "no command given (mount, unmount, xml, version, demo)",
                BadVerbSelectedError b => $"unknown command '{b.Token}'",
                MissingRequiredOptionError m when m.NameInfo == NameInfo.EmptyName => $"missing {RequiredValues(result)}",
                _ => sentences.FormatError(e),
            };
            Console.Error.WriteLine($"storagefs: {text.TrimEnd('.')}");
        }
        Console.Error.WriteLine("Try 'storagefs --help' for more information.");
        return Usage;
    }

    // The MetaNames of the verb's required positional arguments ("MOUNTPOINT").
    private static string RequiredValues(ParserResult<object> result) =>
        string.Join(" ", result.TypeInfo.Current.GetProperties()
            .Select(p => p.GetCustomAttributes(typeof(ValueAttribute), false).OfType<ValueAttribute>().FirstOrDefault())
            .Where(v => v is { Required: true })
            .Select(v => v!.MetaName)) is { Length: > 0 } names ? names : "argument";

    private static string Help(ParserResult<object> result)
    {
        var help = HelpText.AutoBuild(result, h =>
        {
            h.Heading = "storagefs " + VersionCommand.Version();
            h.Copyright = "";
            h.AdditionalNewLineAfterOption = false;
            h.AddDashesToOption = true;
            h.AutoVersion = false;
            h.MaximumDisplayWidth = 100;
            return h;
        }, e => e, verbsIndex: result.TypeInfo.Current == typeof(NullInstance));
        string text = help.ToString().TrimEnd() + "\n";
        if (result.TypeInfo.Current == typeof(NullInstance))
            text += "\nAlso: storagefs SOURCE MOUNTPOINT -o OPTIONS (the mount.fuse3 form). Exit status: 0 ok, 1 failure, 2 usage.\nSee storagefs(8) and storagefs-tree(7).\n";
        return text;
    }
}
