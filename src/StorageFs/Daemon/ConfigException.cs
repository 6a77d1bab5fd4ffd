namespace StorageFs.Daemon;

/// <summary>A configuration the daemon cannot use: the message names the file and the key.
/// A usage error (exit 2), reported before anything is created.</summary>
public sealed class ConfigException(string message) : Exception(message);
