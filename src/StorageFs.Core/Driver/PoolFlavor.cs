using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Core.Driver;

/// <summary>
/// The lifecycle calls both kinds of pool make the same way (<see cref="IPoolLifecycleBackend{TDef}"/>):
/// each checks the backend's capability first; a missing check, start, stop or build is a
/// no-op success, a missing delete the kind's NoSupport. What differs is which backend serves a
/// definition, how its capabilities name the step, and the messages.
/// </summary>
internal abstract class PoolFlavor<TDef, TChild, TBackend>
    where TDef : PoolDefinitionBase
    where TChild : PoolChildDefinition
    where TBackend : class, IPoolLifecycleBackend<TDef>
{
    /// <summary>The NoSupport error of a backend without delete.</summary>
    public abstract StorageException DeleteUnsupported { get; }

    /// <summary>The backend serving <paramref name="def"/>'s type.</summary>
    protected abstract TBackend Backend(TDef def);

    /// <summary>Whether <paramref name="backend"/> implements the lifecycle
    /// <paramref name="step"/> (Check, Start, Stop, Build or Delete).</summary>
    protected abstract bool Supports(TBackend backend, PoolOperations step);

    /// <summary>The backend for a build or start: by default <see cref="Backend"/>; a kind may
    /// first check that this host can run the definition.</summary>
    protected virtual TBackend RunnableBackend(TDef def) => Backend(def);

    public bool CanDelete(TDef def) => Supports(Backend(def), PoolOperations.Delete);

    public bool CheckActive(TDef def)
    {
        var backend = Backend(def);
        return Supports(backend, PoolOperations.Check) && backend.CheckActive(def);
    }

    public void Start(TDef def, CancellationToken cancellation)
    {
        var backend = RunnableBackend(def);
        if (Supports(backend, PoolOperations.Start))
        {
            backend.Start(def, cancellation);
        }
    }

    public void Stop(TDef def)
    {
        var backend = Backend(def);
        if (Supports(backend, PoolOperations.Stop))
        {
            backend.Stop(def);
        }
    }

    public void Build(TDef def, PoolBuildFlags flags, IOperationProgress progress, CancellationToken cancellation)
    {
        var backend = RunnableBackend(def);
        if (Supports(backend, PoolOperations.Build))
        {
            backend.Build(def, flags, progress, cancellation);
        }
    }

    public void Delete(TDef def)
    {
        var backend = Backend(def);
        if (!Supports(backend, PoolOperations.Delete))
        {
            throw DeleteUnsupported;
        }
        backend.Delete(def);
    }
}
