using System.Text;
using StorageFs.Core;
using StorageFs.Fuse;
using StorageFs.Vfs;
using StorageFs.Interop;

namespace StorageFs.Vfs.Tests;

public sealed class DocumentBufferTests
{
    [Theory]
    [InlineData("<pool type='dir'><name>p</name></pool>", true)]
    [InlineData("<pool type='dir'><name>p</name></pool>\n", true)]
    [InlineData("<?xml version='1.0'?>\n<!-- c --><pool/>", true)]
    [InlineData("<pool type='dir'><name>p</name>", false)]
    [InlineData("<pool type='dir'", false)]
    [InlineData("<pool type='a>b'", false)]
    [InlineData("<pool><!-- </pool> ", false)]
    [InlineData("<pool><![CDATA[ </pool> ", false)]
    [InlineData("<pool><name>x</pool>", true)]          // mismatched: malformed, complete now
    [InlineData("garbage", true)]                        // not XML at all
    [InlineData("   ", false)]
    [InlineData("<a/><b/>", true)]
    [InlineData("<pool><name>a/b</name><x attr=\"</pool>\"/></pool>", true)]
    public void Scan_TellsWhetherTheDocumentIsFinished(string text, bool complete) =>
        Assert.Equal(complete, DocumentBuffer.Scan(text));

    [Fact]
    public void ADocumentSplitLikeBashSplitsIt_CompletesOnlyWithTheLastWrite()
    {
        // bash's echo writes a 20 KiB document as 16384 + the rest.
        string doc = "<pool type='dir'><name>p</name><!--" + new string('x', 20_000) + "--><target><path>/srv/p</path></target></pool>\n";
        byte[] bytes = Encoding.UTF8.GetBytes(doc);
        var buf = new DocumentBuffer();
        Assert.Equal(Errno.Ok, buf.Append(0, bytes.AsSpan(0, 16384)));
        Assert.False(buf.IsComplete);
        Assert.Equal(Errno.Ok, buf.Append(16384, bytes.AsSpan(16384)));
        Assert.True(buf.IsComplete);
        Assert.Equal(doc, buf.Text);
    }

    [Fact]
    public void Append_RefusesGapsAndDocumentsOverOneMiB()
    {
        var buf = new DocumentBuffer();
        Assert.Equal(Errno.EINVAL, buf.Append(10, "x"u8));
        Assert.Equal(Errno.Ok, buf.Append(0, new byte[DocumentBuffer.MaxBytes]));
        Assert.Equal(Errno.EFBIG, buf.Append(DocumentBuffer.MaxBytes, "x"u8));
    }

    [Theory]
    [InlineData(ErrorCode.XmlError, Errno.EINVAL)]
    [InlineData(ErrorCode.InvalidArg, Errno.EINVAL)]
    [InlineData(ErrorCode.PoolExists, Errno.EEXIST)]
    [InlineData(ErrorCode.VolExists, Errno.EEXIST)]
    [InlineData(ErrorCode.NoStoragePool, Errno.ENOENT)]
    [InlineData(ErrorCode.OperationInvalid, Errno.EBUSY)]
    [InlineData(ErrorCode.NoSupport, Errno.EOPNOTSUPP)]
    [InlineData(ErrorCode.OperationDenied, Errno.EPERM)]
    [InlineData(ErrorCode.OperationAborted, Errno.EINTR)]
    [InlineData(ErrorCode.InternalError, Errno.EIO)]
    public void ErrnoMap_GivesTheDocumentedErrno(ErrorCode code, Errno errno) =>
        Assert.Equal(errno, ErrnoMap.From(new StorageException(code, "m")));

    [Fact]
    public void ErrnoMap_PrefersTheErrnoOfAFailedSystemCall() =>
        Assert.Equal(Errno.ENOSPC, ErrnoMap.From(new StorageException(ErrorCode.OperationFailed, "disk full", osErrno: 28)));
}
