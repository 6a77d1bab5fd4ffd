namespace StorageFs;

/// <summary>The storagefs command line: one verb per job.</summary>
internal static class Cli
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("storagefs: no verb given");
        return 2;
    }
}
