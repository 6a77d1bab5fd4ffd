using System.Runtime.InteropServices;
using Serilog;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Rbd;

/// <summary>
/// One librbd asynchronous request: its completion (<c>rbd_completion_t</c>) carries a GC handle
/// to this object, and librbd's callback (on its own thread) takes the return value, releases the
/// completion, leaves the image's gate and calls the tree's <see cref="VolumeIoCompletion"/>
/// with the bytes read into <see cref="Buffer"/>, which then goes back to the pool. Exactly one
/// end per request, whether librbd completes it or refuses it at submission.
/// </summary>
internal sealed class RbdAio
{
    private static readonly LibRbd.AioCallback Callback = OnComplete;
    private static readonly IntPtr CallbackPointer = Marshal.GetFunctionPointerForDelegate(Callback);

    private readonly RbdIoGate _gate;
    private readonly VolumeIoCompletion _done;
    private readonly string _verb;
    private readonly string _image;
    private readonly long _offset;
    private readonly ILogger _log;
    private readonly long _count;
    private GCHandle _self;
    private int _ended;

    /// <param name="verb">read, write, discard or flush: the failure's message.</param>
    public RbdAio(RbdIoGate gate, VolumeIoCompletion done, string verb, string image, long offset, long count, byte[]? buffer, ILogger log)
    {
        _gate = gate;
        _done = done;
        _verb = verb;
        _image = image;
        _offset = offset;
        Buffer = buffer;
        _count = count;
        _log = log;
    }

    private string What => _verb == "flush"
        ? $"flush of RBD image '{_image}'"
        : $"{_verb} of {_count} bytes at {_offset} in RBD image '{_image}'";

    /// <summary>A read's pinned buffer; null for other requests.</summary>
    public byte[]? Buffer { get; }

    public IntPtr BufferAddress => Marshal.UnsafeAddrOfPinnedArrayElement(Buffer!, 0);

    /// <summary>A completion whose callback ends this request. The caller has entered the gate.</summary>
    public IntPtr CreateCompletion()
    {
        _self = GCHandle.Alloc(this);
        int rc = LibRbd.rbd_aio_create_completion(GCHandle.ToIntPtr(_self), CallbackPointer, out var completion);
        if (rc < 0)
        {
            _self.Free();
            End(rc);
            return IntPtr.Zero;
        }
        return completion;
    }

    /// <summary>The submission's return code: a refusal ends the request now (its completion
    /// never fires, so it is released here).</summary>
    public void Submitted(int rc, IntPtr completion)
    {
        if (rc < 0)
        {
            LibRbd.rbd_aio_release(completion);
            _self.Free();
            End(rc);
        }
    }

    private static void OnComplete(IntPtr completion, IntPtr arg)
    {
        var handle = GCHandle.FromIntPtr(arg);
        var aio = (RbdAio)handle.Target!;
        long rc = LibRbd.rbd_aio_get_return_value(completion);
        LibRbd.rbd_aio_release(completion);
        handle.Free();
        aio.End(rc);
    }

    // Never throws: it runs on librbd's thread, where an exception would end the process.
    private void End(long rc)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        _gate.Exit();
        try
        {
            if (rc < 0)
            {
                _done.Failed(new IOException($"{What}: {RbdErrors.Message(rc)}", (int)-rc));
            }
            else if (Buffer is not null)
            {
                _done.Completed((int)rc, Buffer.AsSpan(0, (int)Math.Min(rc, _count)));
            }
            else
            {
                _done.Completed(_verb == "write" ? (int)_count : 0, default);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "Completing {What} failed", What);
        }
        finally
        {
            if (Buffer is not null)
            {
                PinnedBuffers.Return(Buffer);
            }
        }
    }
}
