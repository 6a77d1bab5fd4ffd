using StorageFs.Core.Model;

namespace StorageFs.Core.Backend;

/// <summary>
/// Whether this host can run a pool type (its tools on PATH, the kernel features it needs), and
/// what is missing when it cannot — or what is limited when it can only in part. Shown in
/// <c>capabilities</c>; the driver refuses to build or start a pool whose availability is not
/// <see cref="Runnable"/>, with <see cref="Refusal"/>.
/// </summary>
/// <param name="Type">The pool type.</param>
/// <param name="Runnable">True when its backend can do its work here.</param>
/// <param name="Reason">What is missing (not runnable) or limited (runnable); empty when nothing is.</param>
public sealed record BackendAvailability(PoolType Type, bool Runnable, string Reason)
{
    /// <summary>Runnable with nothing missing or limited.</summary>
    public static BackendAvailability Full(PoolType type) => new(type, true, "");

    /// <summary>Runnable, but only in part (<see cref="Reason"/> says how).</summary>
    public bool Limited => Runnable && Reason.Length > 0;

    /// <summary>The NoSupport (EOPNOTSUPP) error for building or starting a pool of this type here.</summary>
    public StorageException Refusal(string poolName) =>
        StorageErrors.NoSupport($"storage pool '{poolName}' of type '{Type.ToXml()}' cannot run on this host: {Reason}");
}
