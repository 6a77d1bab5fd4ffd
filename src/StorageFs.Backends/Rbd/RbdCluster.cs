using System.Globalization;
using System.Text;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// One connection to a Ceph cluster and an I/O context on the pool's Ceph pool, made as libvirt
/// makes it (storage_backend_rbd.c <c>virStorageBackendRBDOpenRADOSConn</c>): no configuration
/// file; <c>mon_host</c> from the pool's hosts (port 6789 when none is given); with
/// <c>&lt;auth type='ceph'&gt;</c> the user as the client id, <c>key</c> from the secret and
/// cephx, else no authentication; 30 s for the mount and for each monitor and OSD operation,
/// new images in format 2, librbd's cache in writeback; then the pool's <c>rbd:config_opts</c>
/// options (Ceph's <c>rbd_non_blocking_aio</c> stays true: librbd's own threads dispatch a
/// request, so no FUSE thread can block in librbd; docs/PERFORMANCE.md, rbd5). Counted references:
/// the pool's start holds one and every open image one, and the connection shuts down when the
/// last goes, so a stop never pulls the cluster from under an image being served.
/// </summary>
internal sealed class RbdCluster
{
    /// <summary>librados's default monitor port (libvirt formats <c>host:6789</c> without a port).</summary>
    public const int DefaultPort = 6789;

    private readonly Lock _gate = new();
    private IntPtr _cluster;
    private IntPtr _ioctx;
    private int _refs = 1;

    private RbdCluster(IntPtr cluster, IntPtr ioctx, string pool, string monitors)
    {
        _cluster = cluster;
        _ioctx = ioctx;
        PoolName = pool;
        Monitors = monitors;
    }

    /// <summary>The Ceph pool's name.</summary>
    public string PoolName { get; }

    /// <summary>The <c>mon_host</c> value connected to.</summary>
    public string Monitors { get; }

    /// <summary>The I/O context (valid while a reference is held).</summary>
    public IntPtr IoCtx => _ioctx;

    /// <summary>The cluster handle (valid while a reference is held).</summary>
    public IntPtr Handle => _cluster;

    /// <summary><c>mon_host</c> as libvirt builds it from the pool's hosts.</summary>
    public static string MonHost(PoolDefinition pool)
    {
        var sb = new StringBuilder();
        foreach (var host in pool.Source.Hosts)
        {
            string name = host.Name.Contains(':', StringComparison.Ordinal) && !host.Name.StartsWith('[') ? $"[{host.Name}]" : host.Name;
            sb.Append(name).Append(':').Append((host.Port != 0 ? host.Port : DefaultPort).ToString(CultureInfo.InvariantCulture)).Append(',');
        }
        return sb.ToString();
    }

    /// <summary>Connects and opens the pool's I/O context (which checks the Ceph pool exists).</summary>
    /// <exception cref="StorageException">No such secret, a refused option, an unreachable or
    /// refusing cluster, or no such Ceph pool.</exception>
    public static RbdCluster Connect(PoolDefinition pool, ISecretStore secrets)
    {
        var poolName = pool.Source.Name ?? throw StorageErrors.ConfigUnsupported("missing source name for the rbd pool");
        if (pool.Source.Hosts.Count == 0)
        {
            throw StorageErrors.ConfigUnsupported("missing source host for the rbd pool");
        }
        string monitors = MonHost(pool);
        var auth = pool.Source.Auth;
        string? key = null;
        if (auth is not null)
        {
            if (auth.Type != AuthType.Ceph)
            {
                throw StorageErrors.ConfigUnsupported("rbd pool only supports 'ceph' auth type");
            }
            // The store holds the key's bytes (virsh secret-set-value takes them in base64); librados
            // takes the key in base64, as libvirt passes it.
            key = Convert.ToBase64String(secrets.GetValue(auth.Secret, SecretUsageType.Ceph));
        }
        RbdErrors.Check(LibRbd.rados_create(out var cluster, auth?.Username), "failed to initialize RADOS");
        IntPtr ioctx = IntPtr.Zero;
        try
        {
            Set(cluster, "auth_supported", key is null ? "none" : "cephx");
            if (key is not null)
            {
                Set(cluster, "key", key);
            }
            Set(cluster, "mon_host", monitors);
            Set(cluster, "client_mount_timeout", "30");
            Set(cluster, "rados_mon_op_timeout", "30");
            Set(cluster, "rados_osd_op_timeout", "30");
            Set(cluster, "rbd_default_format", "2");
            // librbd's cache in writeback from the start: a volume file's writes may be cached
            // as the page cache's are, because every close (FLUSH) and fsync of it flushes
            // (rbd_flush), so close(2) returns with the bytes durable. Writethrough until the
            // first flush (Ceph's default) guards guests that never flush; a file's users do.
            // A pool's options may change both.
            Set(cluster, "rbd_cache", "true");
            Set(cluster, "rbd_cache_writethrough_until_flush", "false");
            foreach (var option in pool.RbdConfigOptions)
            {
                Set(cluster, option.Name, option.Value);
            }
            // An asynchronous write's buffer is the FUSE request's, reused once the request is
            // handed over: librbd must copy it at submission (RbdImageIo.WriteAsync).
            Set(cluster, "rbd_disable_zero_copy_writes", "true");
            RbdErrors.Check(LibRbd.rados_connect(cluster), $"failed to connect to the RADOS monitor on: {monitors}");
            RbdErrors.Check(LibRbd.rados_ioctx_create(cluster, poolName, out ioctx),
                $"failed to create the RBD IoCTX. Does the pool '{poolName}' exist?");
            return new RbdCluster(cluster, ioctx, poolName, monitors);
        }
        catch
        {
            if (ioctx != IntPtr.Zero)
            {
                LibRbd.rados_ioctx_destroy(ioctx);
            }
            LibRbd.rados_shutdown(cluster);
            throw;
        }
    }

    private static void Set(IntPtr cluster, string option, string value) =>
        RbdErrors.Check(LibRbd.rados_conf_set(cluster, option, value), $"failed to set RADOS option: {option}");

    /// <summary>One more holder; false when the connection has already shut down.</summary>
    public bool TryAddRef()
    {
        lock (_gate)
        {
            if (_refs == 0)
            {
                return false;
            }
            _refs++;
            return true;
        }
    }

    /// <summary>Drops a holder; the last one shuts the connection down.</summary>
    public void Release()
    {
        IntPtr cluster, ioctx;
        lock (_gate)
        {
            if (_refs == 0 || --_refs > 0)
            {
                return;
            }
            (cluster, ioctx) = (_cluster, _ioctx);
            _cluster = _ioctx = IntPtr.Zero;
        }
        LibRbd.rados_ioctx_destroy(ioctx);
        LibRbd.rados_shutdown(cluster);
    }

    /// <summary>The cluster's and the pool's numbers: capacity and available from the
    /// cluster, allocation the pool's bytes (libvirt's refresh).</summary>
    public PoolSizes Sizes()
    {
        var cluster = new ulong[8];
        RbdErrors.Check(LibRbd.rados_cluster_stat(_cluster, cluster), "failed to stat the RADOS cluster");
        var pool = new ulong[32];
        RbdErrors.Check(LibRbd.rados_ioctx_pool_stat(_ioctx, pool), $"failed to stat the RADOS pool '{PoolName}'");
        return new PoolSizes(cluster[0] * 1024, pool[0], cluster[2] * 1024);
    }

    /// <summary>The names of the pool's images.</summary>
    public IReadOnlyList<string> ListImages()
    {
        nuint size = 4096;
        while (true)
        {
            var buffer = new byte[size];
            int rc = LibRbd.rbd_list(_ioctx, buffer, ref size);
            if (rc == -34 && size > (nuint)buffer.Length)
            {
                continue;
            }
            RbdErrors.Check(rc, $"failed to list the images of RBD pool '{PoolName}'");
            var names = new List<string>();
            int start = 0;
            for (int i = 0; i < (int)Math.Min(size, (nuint)buffer.Length); i++)
            {
                if (buffer[i] == 0)
                {
                    if (i > start)
                    {
                        names.Add(Encoding.UTF8.GetString(buffer, start, i - start));
                    }
                    start = i + 1;
                }
            }
            return names;
        }
    }
}
