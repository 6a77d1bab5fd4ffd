using System.Runtime.InteropServices;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// An open rbd image (<c>rbd_image_t</c>) and what the pool asks of it: size, allocation and
/// the allocated extents (rbd_diff_iterate2). Closing it is the owner's (<see cref="Dispose"/>).
/// Errors are <see cref="Core.StorageException"/>s, except through the data path's
/// <see cref="Extents"/> callers, which catch them.
/// </summary>
internal sealed class RbdImage : IDisposable
{
    private IntPtr _image;

    /// <summary>Takes ownership of an image librbd opened (<c>rbd_aio_open</c>).</summary>
    internal RbdImage(IntPtr image, string name)
    {
        _image = image;
        Name = name;
    }

    public string Name { get; }

    public IntPtr Handle => _image != IntPtr.Zero ? _image : throw new ObjectDisposedException(nameof(RbdImage));

    /// <summary>Opens <paramref name="name"/> in <paramref name="cluster"/>'s pool.</summary>
    public static RbdImage Open(RbdCluster cluster, string name, bool readOnly = false)
    {
        int rc = readOnly
            ? LibRbd.rbd_open_read_only(cluster.IoCtx, name, out var image, null)
            : LibRbd.rbd_open(cluster.IoCtx, name, out image, null);
        if (rc == -2)
        {
            throw Core.Backend.StorageErrors.NoVolume($"no storage vol with matching name '{name}'");
        }
        RbdErrors.Check(rc, $"failed to open the RBD image '{name}'");
        return new RbdImage(image, name);
    }

    public ulong Size
    {
        get
        {
            RbdErrors.Check(LibRbd.rbd_get_size(Handle, out var size), $"failed to stat the RBD image '{Name}'");
            return size;
        }
    }

    /// <summary>Whether the object map answers allocation queries (fast-diff on and valid).</summary>
    public bool FastDiff
    {
        get
        {
            RbdErrors.Check(LibRbd.rbd_get_features(Handle, out var features), $"failed to get the features of RBD image '{Name}'");
            RbdErrors.Check(LibRbd.rbd_get_flags(Handle, out var flags), $"failed to get the flags of RBD image '{Name}'");
            return (features & LibRbd.FeatureFastDiff) != 0 && (flags & LibRbd.FlagFastDiffInvalid) == 0;
        }
    }

    /// <summary>The bytes allocated: the total of the image's allocated extents, whole objects
    /// (rbd_diff_iterate2 from the image's creation; the object map answers when fast-diff is on).</summary>
    public ulong Allocation()
    {
        ulong total = 0;
        Extents(0, Size, (offset, length) =>
        {
            total += length;
            return true;
        });
        return total;
    }

    /// <summary>
    /// Calls <paramref name="each"/> with every allocated extent in [offset, offset + length),
    /// in order, whole objects (rbd_diff_iterate2 with no start snapshot: what exists since the
    /// image was made, its parent's data included), until it returns false.
    /// </summary>
    public void Extents(ulong offset, ulong length, Func<ulong, ulong, bool> each)
    {
        const int Stop = -125; // ECANCELED: ends the iteration early
        if (length == 0)
        {
            // librbd 16.2 asserts (DiffIterate.cc, object_diff_state) on an empty range of an
            // image with fast-diff, aborting the process: an empty range has no extents anyway.
            return;
        }
        LibRbd.DiffCallback callback = (offs, len, exists, _) => exists == 0 || each(offs, len) ? 0 : Stop;
        int rc = LibRbd.rbd_diff_iterate2(Handle, null, offset, length, 1, 1, callback, IntPtr.Zero);
        GC.KeepAlive(callback);
        if (rc != Stop)
        {
            RbdErrors.Check(rc, $"failed to read the allocation map of RBD image '{Name}'");
        }
    }

    /// <summary>The parent of a clone as <c>POOL/IMAGE@SNAP</c>, or null for an image of its own.</summary>
    public string? Parent()
    {
        byte[] pool = new byte[256], name = new byte[256], snap = new byte[256];
        int rc = LibRbd.rbd_get_parent_info(Handle, pool, (nuint)pool.Length, name, (nuint)name.Length, snap, (nuint)snap.Length);
        if (rc == -2)
        {
            return null;
        }
        RbdErrors.Check(rc, $"failed to get the parent of RBD image '{Name}'");
        return $"{CString(pool)}/{CString(name)}@{CString(snap)}";
    }

    /// <summary>The image's snapshots' names.</summary>
    public IReadOnlyList<string> Snapshots()
    {
        int max = 16;
        while (true)
        {
            IntPtr buffer = Marshal.AllocHGlobal(24 * max);
            try
            {
                int rc = LibRbd.rbd_snap_list(Handle, buffer, ref max);
                if (rc == -34)
                {
                    continue;
                }
                RbdErrors.Check(rc, $"failed to list the snapshots of RBD image '{Name}'");
                var names = new List<string>(rc);
                for (int i = 0; i < rc; i++)
                {
                    names.Add(Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(buffer, 24 * i + 16)) ?? "");
                }
                LibRbd.rbd_snap_list_end(buffer);
                return names;
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }

    /// <summary>The clones of snapshot <paramref name="snap"/>, as <c>POOL/IMAGE</c>.</summary>
    public IReadOnlyList<string> Children(string snap)
    {
        RbdErrors.Check(LibRbd.rbd_snap_set(Handle, snap), $"failed to select snapshot '{Name}@{snap}'");
        try
        {
            nuint poolsLength = 0, imagesLength = 0;
            int rc = LibRbd.rbd_list_children(Handle, null, ref poolsLength, null, ref imagesLength);
            byte[] pools = [], images = [];
            while (rc == -34)
            {
                pools = new byte[poolsLength];
                images = new byte[imagesLength];
                rc = LibRbd.rbd_list_children(Handle, pools, ref poolsLength, images, ref imagesLength);
            }
            RbdErrors.Check(rc, $"failed to list the clones of '{Name}@{snap}'");
            var p = Split(pools, poolsLength);
            var i = Split(images, imagesLength);
            return [.. p.Zip(i, (a, b) => $"{a}/{b}")];
        }
        finally
        {
            LibRbd.rbd_snap_set(Handle, null);
        }
    }

    private static string CString(byte[] b)
    {
        int n = Array.IndexOf(b, (byte)0);
        return System.Text.Encoding.UTF8.GetString(b, 0, n < 0 ? b.Length : n);
    }

    private static List<string> Split(byte[] b, nuint length)
    {
        var list = new List<string>();
        int start = 0, end = (int)Math.Min((nuint)b.Length, length);
        for (int k = 0; k < end; k++)
        {
            if (b[k] == 0)
            {
                if (k > start)
                {
                    list.Add(System.Text.Encoding.UTF8.GetString(b, start, k - start));
                }
                start = k + 1;
            }
        }
        return list;
    }

    public void Dispose()
    {
        var image = Interlocked.Exchange(ref _image, IntPtr.Zero);
        if (image != IntPtr.Zero)
        {
            LibRbd.rbd_close(image);
        }
    }
}
