using CommandLine;
using StorageFs.Daemon;

namespace StorageFs;

/// <summary>The storagefs command line: one verb per job.</summary>
internal static class Cli
{
    public static int Run(string[] args)
    {
        using var parser = new Parser(s =>
        {
            s.HelpWriter = Console.Error;
            s.CaseInsensitiveEnumValues = true;
        });
        return parser.ParseArguments(args, typeof(MountOptions), typeof(DemoOptions), typeof(XmlOptions))
            .MapResult(
                (MountOptions o) => MountCommand.Run(o),
                (DemoOptions o) => DemoCommand.Run(o),
                (XmlOptions o) => XmlCommand.Run(o),
                _ => 2);
    }
}
