namespace StorageFs.Core.Model;

/// <summary>
/// One <c>&lt;rbd:option name='…' value='…'/&gt;</c> of an rbd pool's
/// <c>rbd:config_opts</c> (storage_backend_rbd.c). Invariant: both non-empty.
/// </summary>
public sealed record RbdConfigOption(string Name, string Value);
