using Serilog;
using StorageFs.Backends.Dir;
using StorageFs.Backends.FsPool;
using StorageFs.Core.Backend;

namespace StorageFs.Backends;

/// <summary>
/// The backends StorageFs starts with, listed explicitly (libvirt's
/// <c>virStorageBackendDriversRegister</c>, src/storage/storage_backend.c). A new pool type is
/// one more line here; pool types without a line cannot be defined ("missing backend for pool
/// type N (name)"), as in libvirt.
/// </summary>
public static class BackendRegistry
{
    /// <summary>The production table.</summary>
    /// <param name="logger">Logger handed to each backend.</param>
    /// <param name="qemuImg">The qemu-img program the file backends run.</param>
    public static BackendTable Create(ILogger? logger = null, string qemuImg = "qemu-img") => new(
        [
            new DirPoolBackend(logger, qemuImg),
        ],
        [
            new DirFsPoolBackend(logger),
        ]);
}
