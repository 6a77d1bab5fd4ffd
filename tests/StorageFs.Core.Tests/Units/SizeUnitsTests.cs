using StorageFs.Core.Units;

namespace StorageFs.Core.Tests.Units;

public sealed class SizeUnitsTests
{
    public static TheoryData<string?, ulong> Scales => new()
    {
        { null, 1 }, { "", 1 },
        { "b", 1 }, { "B", 1 }, { "byte", 1 }, { "bytes", 1 }, { "BYTES", 1 },
        { "k", 1UL << 10 }, { "K", 1UL << 10 }, { "KiB", 1UL << 10 }, { "kib", 1UL << 10 }, { "KIB", 1UL << 10 },
        { "KB", 1000 }, { "kB", 1000 }, { "kb", 1000 },
        { "M", 1UL << 20 }, { "MiB", 1UL << 20 }, { "MB", 1_000_000 },
        { "G", 1UL << 30 }, { "GiB", 1UL << 30 }, { "GB", 1_000_000_000 },
        { "T", 1UL << 40 }, { "TiB", 1UL << 40 }, { "TB", 1_000_000_000_000 },
        { "P", 1UL << 50 }, { "PiB", 1UL << 50 }, { "PB", 1_000_000_000_000_000 },
        { "E", 1UL << 60 }, { "EiB", 1UL << 60 }, { "EB", 1_000_000_000_000_000_000 },
    };

    [Theory]
    [MemberData(nameof(Scales))]
    public void TryGetScale_EveryUnitLibvirtAccepts_HasLibvirtsFactor(string? unit, ulong factor)
    {
        Assert.True(SizeUnits.TryGetScale(unit, 1, out var scale));
        Assert.Equal(factor, scale);
    }

    [Theory]
    [InlineData("Q")]
    [InlineData("KiBB")]
    [InlineData("Ki")]
    [InlineData("KBs")]
    [InlineData("bit")]
    [InlineData("kilobytes")]
    [InlineData(" G")]
    public void Scale_UnknownSuffix_FailsWithLibvirtsMessage(string unit)
    {
        var e = Assert.Throws<StorageException>(() => SizeUnits.Scale(1, unit));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Equal($"invalid argument: unknown suffix '{unit}'", e.Message);
    }

    [Fact]
    public void Scale_NoSuffix_UsesTheDefaultScale()
    {
        Assert.Equal(5UL * 1024, SizeUnits.Scale(5, null, defaultScale: 1024));
    }

    [Theory]
    [InlineData(8UL, "EiB")]
    [InlineData(9_223_372_036_854_775_808UL, "")]
    [InlineData(9_223_373UL, "TB")]
    public void Scale_AboveTheLimit_FailsAsValueTooLarge(ulong value, string unit)
    {
        var e = Assert.Throws<StorageException>(() => SizeUnits.Scale(value, unit));
        Assert.Equal($"numerical overflow: value too large: {value}{unit}", e.Message);
    }

    [Fact]
    public void Scale_ExactlyTheLimit_IsAccepted()
    {
        Assert.Equal((ulong)long.MaxValue, SizeUnits.Scale((ulong)long.MaxValue, "b"));
        Assert.Equal(7UL << 60, SizeUnits.Scale(7, "E"));
        Assert.Equal(0UL, SizeUnits.Scale(0, "E"));
    }

    public static TheoryData<string, ulong> UserSizes => new()
    {
        { "100", 100 },
        { "0", 0 },
        { "10G", 10UL << 30 },
        { "512M", 512UL << 20 },
        { "1GiB", 1UL << 30 },
        { "10GB", 10_000_000_000 },
        { "4k", 4096 },
        { "1T", 1UL << 40 },
        { "3b", 3 },
        { "7bytes", 7 },
        { " 5M", 5UL << 20 },
        { "+2K", 2048 },
        { "1E", 1UL << 60 },
    };

    [Theory]
    [MemberData(nameof(UserSizes))]
    public void ParseUserSize_SizesUsersWrite_AreScaledLikeVirsh(string text, ulong bytes)
    {
        Assert.Equal(bytes, SizeUnits.ParseUserSize(text));
    }

    [Theory]
    [InlineData("", "expected a whole number of bytes")]
    [InlineData("G", "expected a whole number of bytes")]
    [InlineData("ten", "expected a whole number of bytes")]
    [InlineData("-1G", "a size cannot be negative")]
    [InlineData("1.5G", "unknown unit '.5G'")]
    [InlineData("10 G", "unknown unit ' G'")]
    [InlineData("10Q", "unknown unit 'Q'")]
    [InlineData("10G ", "unknown unit 'G '")]
    [InlineData("8E", "value too large")]
    [InlineData("99999999999999999999", "value too large")]
    public void ParseUserSize_Garbage_FailsNamingTheTextAndTheReason(string text, string reason)
    {
        var e = Assert.Throws<StorageException>(() => SizeUnits.ParseUserSize(text));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.StartsWith($"invalid argument: malformed size '{text}': ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ParseUserSize_WithVirshsLimit_AcceptsUpTo16EiB()
    {
        Assert.Equal(15UL << 60, SizeUnits.ParseUserSize("15E", ulong.MaxValue));
    }
}
