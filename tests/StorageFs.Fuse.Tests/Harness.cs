using Serilog;

namespace StorageFs.Fuse.Tests;

/// <summary>A dispatcher over a <see cref="TestDir"/> tree, fed raw request bytes.</summary>
internal sealed class Harness
{
    private readonly byte[] _reply;

    public Harness(FuseServerOptions? options = null, bool withChannel = true, bool init = true)
    {
        Root = new TestDir();
        Channel = withChannel ? new RecordingChannel() : null;
        Dispatcher = new Dispatcher(Root, options ?? new FuseServerOptions(), Channel, new LoggerConfiguration().CreateLogger());
        Context = Dispatcher.CreateContext(Late);
        _reply = new byte[Dispatcher.ReplyBufferSize];
        if (init)
            Assert.Equal(0, Send(Req.Init()).Error);
    }

    public TestDir Root { get; }

    public RecordingChannel? Channel { get; }

    /// <summary>Late replies of parked requests, as they would be written to the reader's descriptor.</summary>
    public LateReplies Late { get; } = new();

    public Dispatcher Dispatcher { get; }

    public RequestContext Context { get; }

    /// <summary>Dispatches; returns null when the request takes no reply.</summary>
    public Reply? TrySend(byte[] request)
    {
        int n = Dispatcher.Dispatch(request, _reply, Context);
        return n == 0 ? null : new Reply(_reply.AsSpan(0, n).ToArray(), n);
    }

    public Reply Send(byte[] request)
    {
        Reply r = TrySend(request) ?? throw new Xunit.Sdk.XunitException("expected a reply, got none");
        Assert.Equal((uint)r.Length, r.Header.Len);
        Assert.Equal(MemoryMarshal.Read<Wire.FuseInHeader>(request).Unique, r.Header.Unique);
        return r;
    }

    public Wire.FuseEntryOut Lookup(ulong parent, string name)
    {
        var r = Send(Req.Make(Opcode.Lookup, parent, Req.Name(name)));
        Assert.Equal(0, r.Error);
        return r.As<Wire.FuseEntryOut>();
    }

    public ulong Open(ulong node, int flags = 2)
    {
        var r = Send(Req.Make(Opcode.Open, node, Req.Bytes(new Wire.FuseOpenIn { Flags = (uint)flags })));
        Assert.Equal(0, r.Error);
        return r.As<Wire.FuseOpenOut>().Fh;
    }
}
