using System.Globalization;
using System.Numerics;

namespace StorageFs.Core.Units;

/// <summary>
/// virsh's human sizes (<c>vshPrettyCapacity</c> in tools/vsh.c, printed with "%.2lf %s"):
/// below 1024 in B, else in the largest of KiB … EiB whose value stays below 1024, always two
/// decimals ("683.33 GiB", "1.24 GiB", "0.00 B", exactly 1024 → "1.00 KiB"). The value is the
/// byte count converted to a double and divided by a power of two, and the two decimals are
/// rounded as glibc's printf rounds that exact binary value (half to even), so the text matches
/// virsh's byte for byte.
/// </summary>
public static class PrettySize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>Formats <paramref name="bytes"/> as virsh does.</summary>
    public static string Format(ulong bytes)
    {
        int power = 0;
        // vshPrettyCapacity compares against limits computed as doubles: 1024, 1024^2, …
        while (power < 6 && (double)bytes >= Math.Pow(1024, power + 1))
        {
            power++;
        }
        // The exact value printf sees: (double)bytes / 1024^power, a dyadic rational.
        var numerator = new BigInteger((double)bytes) * 100;
        var denominator = BigInteger.One << (10 * power);
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }
        var whole = BigInteger.DivRem(quotient, 100, out var cents);
        return string.Create(CultureInfo.InvariantCulture, $"{whole}.{(int)cents:D2} {Units[power]}");
    }
}
