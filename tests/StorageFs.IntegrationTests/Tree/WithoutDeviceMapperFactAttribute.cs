namespace StorageFs.IntegrationTests.Tree;

/// <summary>A fact about a host without device-mapper: skipped, with that reason, on one that has it.</summary>
public sealed class WithoutDeviceMapperFactAttribute : FactAttribute
{
    public WithoutDeviceMapperFactAttribute()
    {
        if (Directory.Exists("/sys/class/misc/device-mapper"))
            Skip = "this kernel has device-mapper (/sys/class/misc/device-mapper): the refusal under test cannot happen here";
    }
}
