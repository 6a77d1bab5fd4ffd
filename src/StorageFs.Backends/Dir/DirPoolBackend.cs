using Serilog;
using StorageFs.Backends.Files;

namespace StorageFs.Backends.Dir;

/// <summary>
/// The <c>dir</c> pool: a host directory whose entries are volumes, exactly the file pool
/// (<see cref="FilePoolBackend"/>) with the dir type's capabilities. Stateless and thread-safe.
/// </summary>
/// <param name="logger">Where failures are logged.</param>
/// <param name="qemuImg">The qemu-img to run for image work.</param>
public sealed class DirPoolBackend(ILogger? logger = null, string qemuImg = "qemu-img")
    : FilePoolBackend(DirPoolCapabilities.Value, logger, qemuImg);
