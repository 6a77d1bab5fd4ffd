using System.Runtime.InteropServices;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// The librados (librados2, rados/librados.h) and librbd (librbd1, rbd/librbd.h) calls the rbd
/// pool makes, Ceph 16 (pacific). Every call returns 0 or a count on success and a negative
/// errno on failure. Buffers of the synchronous calls are passed as <c>ref byte</c>: the
/// marshaller pins them for the call. The asynchronous calls (<c>rbd_aio_*</c>) take a
/// completion made with a callback that librbd calls once, on one of its own threads, when the
/// request is done; a read's buffer must stay put until then (a pinned array), while a write's
/// is copied into librbd's buffers before <c>rbd_aio_write2</c> returns, because the cluster
/// sets <c>rbd_disable_zero_copy_writes</c> (librbd.cc <c>create_write_raw</c>). A cluster handle (<c>rados_t</c>) and an I/O context are thread-safe,
/// and so is an open image for concurrent I/O (librbd serialises what must be).
/// </summary>
internal static class LibRbd
{
    private const string Rados = "librados.so.2";
    private const string Rbd = "librbd.so.1";

    /// <summary>RBD_FEATURE_FAST_DIFF.</summary>
    public const ulong FeatureFastDiff = 1UL << 4;

    /// <summary>RBD_FLAG_FAST_DIFF_INVALID.</summary>
    public const ulong FlagFastDiffInvalid = 1UL << 1;

    /// <summary>The size of <c>rbd_image_info_t</c> (size, obj_size, num_objs, order,
    /// block_name_prefix[24], parent_pool, parent_name[96]).</summary>
    public const int ImageInfoSize = 160;

    /// <summary><c>int (*)(uint64_t offs, size_t len, int exists, void *arg)</c> of rbd_diff_iterate2.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int DiffCallback(ulong offset, nuint length, int exists, IntPtr arg);

    [DllImport(Rados)]
    public static extern int rados_create(out IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string? id);

    [DllImport(Rados)]
    public static extern int rados_conf_set(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string option,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value);

    [DllImport(Rados)]
    public static extern int rados_connect(IntPtr cluster);

    [DllImport(Rados)]
    public static extern void rados_shutdown(IntPtr cluster);

    [DllImport(Rados)]
    public static extern int rados_ioctx_create(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string poolName, out IntPtr ioctx);

    [DllImport(Rados)]
    public static extern void rados_ioctx_destroy(IntPtr ioctx);

    /// <summary><c>struct rados_cluster_stat_t</c>: kb, kb_used, kb_avail, num_objects.</summary>
    [DllImport(Rados)]
    public static extern int rados_cluster_stat(IntPtr cluster, [Out] ulong[] stat);

    /// <summary><c>struct rados_pool_stat_t</c>: 16 uint64 in pacific, num_bytes first.</summary>
    [DllImport(Rados)]
    public static extern int rados_ioctx_pool_stat(IntPtr ioctx, [Out] ulong[] stat);

    [DllImport(Rbd)]
    public static extern int rbd_list(IntPtr ioctx, [Out] byte[]? names, ref nuint size);

    [DllImport(Rbd)]
    public static extern int rbd_create(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ulong size, ref int order);

    [DllImport(Rbd)]
    public static extern int rbd_remove(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Rbd)]
    public static extern int rbd_open(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr image,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? snapName);

    [DllImport(Rbd)]
    public static extern int rbd_open_read_only(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr image,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? snapName);

    [DllImport(Rbd)]
    public static extern int rbd_close(IntPtr image);

    [DllImport(Rbd)]
    public static extern int rbd_stat(IntPtr image, [Out] byte[] info, nuint infoSize);

    [DllImport(Rbd)]
    public static extern int rbd_get_size(IntPtr image, out ulong size);

    [DllImport(Rbd)]
    public static extern int rbd_get_features(IntPtr image, out ulong features);

    [DllImport(Rbd)]
    public static extern int rbd_get_flags(IntPtr image, out ulong flags);

    [DllImport(Rbd)]
    public static extern int rbd_resize(IntPtr image, ulong size);

    [DllImport(Rbd)]
    public static extern nint rbd_read2(IntPtr image, ulong offset, nuint length, ref byte buffer, int opFlags);

    [DllImport(Rbd)]
    public static extern nint rbd_write2(IntPtr image, ulong offset, nuint length, ref byte buffer, int opFlags);

    /// <summary><c>void (*rbd_callback_t)(rbd_completion_t cb, void *arg)</c>.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void AioCallback(IntPtr completion, IntPtr arg);

    [DllImport(Rbd)]
    public static extern int rbd_aio_create_completion(IntPtr arg, IntPtr callback, out IntPtr completion);

    [DllImport(Rbd)]
    public static extern nint rbd_aio_get_return_value(IntPtr completion);

    [DllImport(Rbd)]
    public static extern void rbd_aio_release(IntPtr completion);

    /// <summary>Starts opening an image; <paramref name="image"/> points at the
    /// <c>rbd_image_t</c> librbd fills before the completion fires (memory that must live until then).</summary>
    [DllImport(Rbd)]
    public static extern int rbd_aio_open(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr image,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? snapName, IntPtr completion);

    [DllImport(Rbd)]
    public static extern int rbd_aio_open_read_only(IntPtr ioctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr image,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? snapName, IntPtr completion);

    [DllImport(Rbd)]
    public static extern int rbd_aio_read2(IntPtr image, ulong offset, nuint length, IntPtr buffer, IntPtr completion, int opFlags);

    [DllImport(Rbd)]
    public static extern int rbd_aio_write2(IntPtr image, ulong offset, nuint length, ref byte buffer, IntPtr completion, int opFlags);

    [DllImport(Rbd)]
    public static extern int rbd_aio_discard(IntPtr image, ulong offset, ulong length, IntPtr completion);

    [DllImport(Rbd)]
    public static extern int rbd_aio_write_zeroes(IntPtr image, ulong offset, nuint length, IntPtr completion, int zeroFlags, int opFlags);

    [DllImport(Rbd)]
    public static extern int rbd_aio_flush(IntPtr image, IntPtr completion);

    [DllImport(Rbd)]
    public static extern int rbd_discard(IntPtr image, ulong offset, ulong length);

    [DllImport(Rbd)]
    public static extern int rbd_write_zeroes(IntPtr image, ulong offset, nuint length, int zeroFlags, int opFlags);

    [DllImport(Rbd)]
    public static extern int rbd_flush(IntPtr image);

    [DllImport(Rbd)]
    public static extern int rbd_diff_iterate2(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string? fromSnap,
        ulong offset, ulong length, byte includeParent, byte wholeObject, DiffCallback callback, IntPtr arg);

    [DllImport(Rbd)]
    public static extern int rbd_snap_create(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string snapName);

    [DllImport(Rbd)]
    public static extern int rbd_snap_protect(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string snapName);

    [DllImport(Rbd)]
    public static extern int rbd_clone(IntPtr parentIoctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string parentName,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string parentSnap, IntPtr childIoctx,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string childName, ulong features, ref int order);

    [DllImport(Rbd)]
    public static extern int rbd_snap_unprotect(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string snapName);

    [DllImport(Rbd)]
    public static extern int rbd_snap_remove(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string snapName);

    /// <summary>Sets the snapshot later reads and <see cref="rbd_list_children"/> refer to (null: the head).</summary>
    [DllImport(Rbd)]
    public static extern int rbd_snap_set(IntPtr image, [MarshalAs(UnmanagedType.LPUTF8Str)] string? snapName);

    /// <summary>Fills <paramref name="snaps"/> with <c>rbd_snap_info_t</c> (id, size, name
    /// pointer: 24 bytes each); returns the count, or -ERANGE with <paramref name="max"/> raised.
    /// <see cref="rbd_snap_list_end"/> frees the names.</summary>
    [DllImport(Rbd)]
    public static extern int rbd_snap_list(IntPtr image, IntPtr snaps, ref int max);

    [DllImport(Rbd)]
    public static extern void rbd_snap_list_end(IntPtr snaps);

    /// <summary>The clones of the snapshot set with <see cref="rbd_snap_set"/>: pool and image
    /// names, NUL-separated, in two buffers; the count, or -ERANGE with the lengths raised
    /// (deprecated in favour of rbd_list_children3, still exported by pacific).</summary>
    [DllImport(Rbd)]
    public static extern int rbd_list_children(IntPtr image, [Out] byte[]? pools, ref nuint poolsLength, [Out] byte[]? images, ref nuint imagesLength);

    /// <summary>The parent of a clone: pool, image and snapshot names; -ENOENT when the image
    /// has none (deprecated in favour of rbd_get_parent, still exported by pacific).</summary>
    [DllImport(Rbd)]
    public static extern int rbd_get_parent_info(IntPtr image, [Out] byte[] pool, nuint poolLength, [Out] byte[] name, nuint nameLength,
        [Out] byte[] snap, nuint snapLength);

    [DllImport(Rbd)]
    public static extern int rbd_copy(IntPtr image, IntPtr destIoctx, [MarshalAs(UnmanagedType.LPUTF8Str)] string destName);

    /// <summary>Whether both libraries load (Debian packages librados2 and librbd1).</summary>
    public static bool Loadable() =>
        NativeLibrary.TryLoad(Rados, out var rados) && NativeLibrary.TryLoad(Rbd, out var rbd) && Free(rados, rbd);

    private static bool Free(IntPtr a, IntPtr b)
    {
        NativeLibrary.Free(b);
        NativeLibrary.Free(a);
        return true;
    }
}
