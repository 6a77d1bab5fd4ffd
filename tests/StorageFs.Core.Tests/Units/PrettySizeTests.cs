using StorageFs.Core.Units;

namespace StorageFs.Core.Tests.Units;

/// <summary>Expected strings are glibc's "%.2lf %s" of vshPrettyCapacity's double, computed
/// independently (and matching virsh's output).</summary>
public sealed class PrettySizeTests
{
    [Theory]
    [InlineData(0UL, "0.00 B")]
    [InlineData(1UL, "1.00 B")]
    [InlineData(1000UL, "1000.00 B")]
    [InlineData(1023UL, "1023.00 B")]
    [InlineData(1024UL, "1.00 KiB")]
    [InlineData(1152UL, "1.12 KiB")]
    [InlineData(1408UL, "1.38 KiB")]
    [InlineData(4096UL, "4.00 KiB")]
    [InlineData(200704UL, "196.00 KiB")]
    [InlineData(665714442UL, "634.87 MiB")]
    [InlineData(536870912UL, "512.00 MiB")]
    [InlineData(1331439862UL, "1.24 GiB")]
    [InlineData(733724557312UL, "683.33 GiB")]
    [InlineData(270553174016UL, "251.97 GiB")]
    [InlineData(9007199254740993UL, "8.00 PiB")]
    [InlineData(1151795604700004352UL, "1023.00 PiB")]
    [InlineData(1152921504606846976UL, "1.00 EiB")]
    [InlineData(9223372036854775807UL, "8.00 EiB")]
    [InlineData(18446744073709551615UL, "16.00 EiB")]
    public void Format_MatchesVirshByteForByte(ulong bytes, string expected)
    {
        Assert.Equal(expected, PrettySize.Format(bytes));
    }
}
