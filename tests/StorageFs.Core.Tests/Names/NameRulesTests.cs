using StorageFs.Core.Names;

namespace StorageFs.Core.Tests.Names;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("images")]
    [InlineData("a.b")]
    [InlineData("disk-1_2")]
    [InlineData("<sparse>.img")]
    [InlineData("with space")]
    [InlineData("émoji-😀")]
    [InlineData("a..b")]
    public void Validate_OrdinaryNames_AreAccepted(string name)
    {
        NameRules.Validate(NameKind.Volume, name);
    }

    [Theory]
    [InlineData(NameKind.Pool, "", "invalid argument: pool name must not be empty")]
    [InlineData(NameKind.Pool, null, "invalid argument: pool name must not be empty")]
    [InlineData(NameKind.Volume, "a/b", "invalid argument: volume name 'a/b' must not contain '/'")]
    [InlineData(NameKind.Volume, "/", "invalid argument: volume name '/' must not contain '/'")]
    [InlineData(NameKind.FsItem, "a\0b", "invalid argument: item name 'a\\0b' must not contain a NUL character")]
    [InlineData(NameKind.FsPool, ".hidden", "invalid argument: fspool name '.hidden' must not start with '.'")]
    [InlineData(NameKind.Pool, ".", "invalid argument: pool name '.' must not start with '.'")]
    [InlineData(NameKind.Pool, "..", "invalid argument: pool name '..' must not start with '.'")]
    [InlineData(NameKind.Pool, "a\nb", "invalid argument: pool name 'a\\nb' must not contain a newline")]
    public void Validate_BadNames_AreRejectedNamingTheRule(NameKind kind, string? name, string message)
    {
        var e = Assert.Throws<StorageException>(() => NameRules.Validate(kind, name));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Validate_LengthIsCountedInUtf8Bytes()
    {
        NameRules.Validate(NameKind.Volume, new string('a', 255));
        var e = Assert.Throws<StorageException>(() => NameRules.Validate(NameKind.Volume, new string('a', 256)));
        Assert.Equal("invalid argument: volume name is 256 bytes long in UTF-8, over the 255-byte limit", e.Message);

        // 128 two-byte characters: 128 chars but 256 bytes.
        var wide = new string('é', 128);
        Assert.False(NameRules.IsValid(NameKind.Volume, wide, out var error));
        Assert.Contains("256 bytes", error);
        Assert.True(NameRules.IsValid(NameKind.Volume, new string('é', 127), out _));
    }

    /// <summary>A pool's definition is stored as NAME.xml, so its name has 251 bytes, said at parse.</summary>
    [Theory]
    [InlineData(NameKind.Pool, "pool name")]
    [InlineData(NameKind.FsPool, "fspool name")]
    public void Validate_PoolAndFsPoolNames_HaveAtMost251Bytes_AndTheMessageSaysWhy(NameKind kind, string what)
    {
        NameRules.Validate(kind, new string('a', 251));
        var e = Assert.Throws<StorageException>(() => NameRules.Validate(kind, new string('a', 252)));
        Assert.Equal($"invalid argument: {what} is 252 bytes long in UTF-8, over the 251-byte limit (its definition is stored as NAME.xml)", e.Message);
    }
}
