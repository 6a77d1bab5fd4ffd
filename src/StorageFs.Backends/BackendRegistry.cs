using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Secrets;
using StorageFs.Backends.Dir;
using StorageFs.Backends.Disk;
using StorageFs.Backends.Filesystems;
using StorageFs.Backends.Fs;
using StorageFs.Backends.FsPool;
using StorageFs.Backends.Gluster;
using StorageFs.Backends.Iscsi;
using StorageFs.Backends.IscsiDirect;
using StorageFs.Backends.Logical;
using StorageFs.Backends.Mpath;
using StorageFs.Backends.NetFs;
using StorageFs.Backends.Rbd;
using StorageFs.Backends.Scsi;

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
    /// <param name="secrets">The secret store the backends that authenticate take values from
    /// (iscsi, iscsi-direct CHAP; rbd cephx); an empty one when null.</param>
    public static BackendTable Create(ILogger? logger = null, string qemuImg = "qemu-img", ISecretStore? secrets = null)
    {
        secrets ??= new SecretDriver();
        return Table(logger, qemuImg, secrets);
    }

    private static BackendTable Table(ILogger? logger, string qemuImg, ISecretStore secrets) => new(
        [
            new DirPoolBackend(logger, qemuImg),
            new FsPoolBackend(logger, qemuImg: qemuImg),
            new NetFsPoolBackend(logger, qemuImg: qemuImg),
            new LogicalPoolBackend(logger, lvm: LvmCommands.ForHost()),
            new DiskPoolBackend(logger),
            new IscsiPoolBackend(logger, secrets: secrets),
            new IscsiDirectPoolBackend(logger, secrets: secrets),
            new ScsiPoolBackend(logger),
            new MpathPoolBackend(),
            new GlusterPoolBackend(logger, qemuImg: qemuImg),
            new RbdPoolBackend(logger, secrets),
        ],
        [
            new DirFsPoolBackend(logger),
        ],
        new VolumeFilesystems(logger: logger),
        new HostInventory(logger: logger));
}
