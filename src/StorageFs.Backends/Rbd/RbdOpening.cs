using System.Runtime.InteropServices;
using StorageFs.Core;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// An image being opened by librbd in the background (<c>rbd_aio_open</c>), so that opening a
/// volume file never waits on the cluster on a FUSE reader thread: what needs the image either
/// runs at once (opened), is queued until the open completes (<see cref="WhenOpen"/>: queued
/// work then runs on the thread pool, not on librbd's callback thread), or waits for it
/// (<see cref="Image"/>, for the calls that block anyway). A failed open fails everything with
/// its errno.
/// </summary>
internal sealed class RbdOpening
{
    private static readonly LibRbd.AioCallback Callback = OnComplete;
    private static readonly IntPtr CallbackPointer = Marshal.GetFunctionPointerForDelegate(Callback);

    private readonly string _name;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _done = new();
    private List<Action>? _waiting = [];
    private RbdImage? _image;
    private IOException? _error;
    private IntPtr _slot;
    private GCHandle _self;

    private readonly Action<RbdImage> _opened;

    private RbdOpening(string name, Action<RbdImage> opened)
    {
        _name = name;
        _opened = opened;
    }

    /// <summary>Starts opening <paramref name="name"/> (read-only: no exclusive lock);
    /// <paramref name="opened"/> runs on librbd's thread once it is open, before any queued work.</summary>
    public static RbdOpening Start(RbdCluster cluster, string name, bool readOnly, Action<RbdImage> opened)
    {
        var o = new RbdOpening(name, opened);
        o._slot = Marshal.AllocHGlobal(IntPtr.Size);
        Marshal.WriteIntPtr(o._slot, IntPtr.Zero);
        o._self = GCHandle.Alloc(o);
        int rc = LibRbd.rbd_aio_create_completion(GCHandle.ToIntPtr(o._self), CallbackPointer, out var completion);
        if (rc < 0)
        {
            o._self.Free();
            o.Finish(rc);
            return o;
        }
        rc = readOnly
            ? LibRbd.rbd_aio_open_read_only(cluster.IoCtx, name, o._slot, null, completion)
            : LibRbd.rbd_aio_open(cluster.IoCtx, name, o._slot, null, completion);
        if (rc < 0)
        {
            LibRbd.rbd_aio_release(completion);
            o._self.Free();
            o.Finish(rc);
        }
        return o;
    }

    /// <summary>Whether the open has completed (well or not).</summary>
    public bool IsDone => _done.IsSet;

    /// <summary>The open image, waiting for the open if it is still under way.</summary>
    /// <exception cref="IOException">The open failed (HResult: its errno).</exception>
    public RbdImage Image
    {
        get
        {
            _done.Wait();
            return _image ?? throw _error!;
        }
    }

    /// <summary>The open image if the open has completed well, else null (without waiting).</summary>
    public RbdImage? Opened => _done.IsSet ? _image : null;

    /// <summary>Runs <paramref name="run"/> with the image once it is open, or
    /// <paramref name="fail"/> with the open's error; at once when the open has completed.</summary>
    public void WhenOpen(Action<RbdImage> run, Action<IOException> fail)
    {
        lock (_gate)
        {
            if (_waiting is not null)
            {
                _waiting.Add(() =>
                {
                    if (_image is not null)
                    {
                        run(_image);
                    }
                    else
                    {
                        fail(_error!);
                    }
                });
                return;
            }
        }
        if (_image is not null)
        {
            run(_image);
        }
        else
        {
            fail(_error!);
        }
    }

    private static void OnComplete(IntPtr completion, IntPtr arg)
    {
        var handle = GCHandle.FromIntPtr(arg);
        var o = (RbdOpening)handle.Target!;
        long rc = LibRbd.rbd_aio_get_return_value(completion);
        LibRbd.rbd_aio_release(completion);
        handle.Free();
        o.Finish(rc);
    }

    private void Finish(long rc)
    {
        if (rc >= 0)
        {
            var image = new RbdImage(Marshal.ReadIntPtr(_slot), _name);
            try
            {
                _opened(image);
                _image = image;
            }
            catch (StorageException e)
            {
                image.Dispose();
                _error = new IOException(e.Message, e.OsErrno ?? 5);
            }
        }
        else
        {
            _error = new IOException(rc == -2 ? $"RBD image '{_name}' does not exist" : $"failed to open RBD image '{_name}': {RbdErrors.Message(rc)}", (int)-rc);
        }
        Marshal.FreeHGlobal(_slot);
        _slot = IntPtr.Zero;
        List<Action> waiting;
        lock (_gate)
        {
            waiting = _waiting!;
            _waiting = null;
        }
        _done.Set();
        foreach (var w in waiting)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static a => a(), w, preferLocal: false);
        }
    }
}
