using StorageFs.Core.Model;

namespace StorageFs.Backends.Tools;

/// <summary>Whether this host can run a pool type, and why not (or what is limited) otherwise.</summary>
/// <param name="Type">The pool type.</param>
/// <param name="Runnable">True when its backend can do its work here.</param>
/// <param name="Reason">What is missing or limited; empty when nothing is.</param>
public sealed record BackendAvailability(PoolType Type, bool Runnable, string Reason);
