namespace StorageFs.Backends.Tests.Dir;

/// <summary>A fact that needs root (chown to another user): skipped, naming why, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = $"needs root to chown files (running as '{Environment.UserName}')";
        }
    }
}
