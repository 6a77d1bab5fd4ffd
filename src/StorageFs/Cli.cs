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
            s.AutoVersion = false; // the version verb is ours: it also names the FUSE protocol
        });
        return parser.ParseArguments(args, typeof(MountOptions), typeof(UnmountOptions), typeof(VersionOptions),
                typeof(DemoOptions), typeof(XmlOptions))
            .MapResult(
                (MountOptions o) => MountCommand.Run(o),
                (UnmountOptions o) => UnmountCommand.Run(o),
                (VersionOptions o) => VersionCommand.Run(o),
                (DemoOptions o) => DemoCommand.Run(o),
                (XmlOptions o) => XmlCommand.Run(o),
                errors => errors.IsHelp() ? 0 : 2);
    }
}
