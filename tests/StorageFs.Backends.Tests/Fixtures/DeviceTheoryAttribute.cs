namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>The theory form of <see cref="DeviceFactAttribute"/>.</summary>
public sealed class DeviceTheoryAttribute : TheoryAttribute
{
    public DeviceTheoryAttribute(params string[] tools)
    {
        Skip = DeviceRequirements.Missing(tools);
    }
}
