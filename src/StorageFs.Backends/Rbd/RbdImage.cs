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

    private RbdImage(IntPtr image, string name)
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

    public void Dispose()
    {
        var image = Interlocked.Exchange(ref _image, IntPtr.Zero);
        if (image != IntPtr.Zero)
        {
            LibRbd.rbd_close(image);
        }
    }
}
