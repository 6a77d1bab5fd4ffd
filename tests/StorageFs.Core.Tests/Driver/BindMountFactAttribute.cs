namespace StorageFs.Core.Tests.Driver;

/// <summary>A fact that needs <c>mount --bind</c>: skipped, naming why, when the tests do not
/// run as root.</summary>
public sealed class BindMountFactAttribute : FactAttribute
{
    public BindMountFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = $"needs root for mount --bind (running as '{Environment.UserName}')";
        }
    }
}
