namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>One line of /proc/self/mountinfo: where, what type, and the device minor (the fusectl connection number).</summary>
public sealed record MountEntry(string MountPoint, string FsType, uint Minor);
