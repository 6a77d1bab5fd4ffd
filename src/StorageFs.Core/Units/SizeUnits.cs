using System.Globalization;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Units;

/// <summary>
/// Size units exactly as libvirt accepts them (<c>virScaleInteger</c>, src/util/virutil.c):
/// case-insensitive; "b", "byte", "bytes" = 1; a single letter k m g t p e or the same letter
/// + "iB" = powers of 1024; the letter + "B" = powers of 1000; no suffix = the caller's
/// default scale. Results above the caller's limit are refused ("value too large").
/// Sizes in storage XML are limited to 2^63−1 bytes (<see cref="MaxStorageBytes"/>), as
/// libvirt's <c>virStorageSize</c> limits them to LLONG_MAX.
/// </summary>
public static class SizeUnits
{
    /// <summary>Largest size a storage object may have: 2^63−1 bytes (off_t is signed).</summary>
    public const ulong MaxStorageBytes = long.MaxValue;

    /// <summary>The factor of <paramref name="suffix"/>, or false when libvirt does not know it.
    /// An empty or null suffix yields <paramref name="defaultScale"/>.</summary>
    public static bool TryGetScale(string? suffix, ulong defaultScale, out ulong scale)
    {
        scale = defaultScale;
        if (string.IsNullOrEmpty(suffix))
        {
            return defaultScale != 0;
        }
        if (Is(suffix, "b") || Is(suffix, "byte") || Is(suffix, "bytes"))
        {
            scale = 1;
            return true;
        }
        ulong @base;
        if (suffix.Length == 1 || Is(suffix[1..], "iB"))
        {
            @base = 1024;
        }
        else if (char.ToLowerInvariant(suffix[1]) == 'b' && suffix.Length == 2)
        {
            @base = 1000;
        }
        else
        {
            return false;
        }
        int power = char.ToLowerInvariant(suffix[0]) switch
        {
            'k' => 1,
            'm' => 2,
            'g' => 3,
            't' => 4,
            'p' => 5,
            'e' => 6,
            _ => 0,
        };
        if (power == 0)
        {
            return false;
        }
        scale = 1;
        for (int i = 0; i < power; i++)
        {
            scale *= @base;
        }
        return true;
    }

    /// <summary><c>virScaleInteger</c>: <paramref name="value"/> × the factor of
    /// <paramref name="suffix"/>, refusing unknown suffixes and results above
    /// <paramref name="limit"/>.</summary>
    /// <exception cref="StorageException">InvalidArg: "unknown suffix '…'" or
    /// "numerical overflow: value too large: …".</exception>
    public static ulong Scale(ulong value, string? suffix, ulong defaultScale = 1, ulong limit = MaxStorageBytes)
    {
        if (!TryGetScale(suffix, defaultScale, out var scale))
        {
            throw LibvirtErrors.InvalidArg($"unknown suffix '{suffix}'");
        }
        if (value != 0 && value > limit / scale)
        {
            throw LibvirtErrors.Overflow(
                $"value too large: {value.ToString(CultureInfo.InvariantCulture)}{suffix}");
        }
        return value * scale;
    }

    /// <summary>
    /// Parses a size as users write it on the command line, as virsh's <c>vshVolSize</c>
    /// does: a decimal number glued to an optional unit ("10G", "512M", "1GiB", "10GB",
    /// "100" = bytes). Leading whitespace is allowed; fractions, signs other than '+',
    /// spaces before the unit and unknown units are refused with a message saying why.
    /// </summary>
    /// <exception cref="StorageException">InvalidArg naming the text and the reason.</exception>
    public static ulong ParseUserSize(string text, ulong limit = MaxStorageBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!CNumbers.TryULongPrefix(text, out var value, out var end))
        {
            var trimmed = text.TrimStart().TrimStart('+');
            throw Malformed(text, trimmed.StartsWith('-') ? "a size cannot be negative"
                : trimmed.Length > 0 && char.IsAsciiDigit(trimmed[0]) ? "value too large: the number does not fit 64 bits"
                : "expected a whole number of bytes, optionally followed by a unit such as K, M, G, T, KiB, MB");
        }
        var suffix = text[end..];
        if (!TryGetScale(suffix, 1, out var scale))
        {
            throw Malformed(text, $"unknown unit '{suffix}' (use b, K/KiB, M/MiB, G/GiB, T/TiB, P/PiB, E/EiB, or KB, MB, GB, TB, PB, EB for powers of 1000)");
        }
        if (value != 0 && value > limit / scale)
        {
            throw Malformed(text, $"value too large: the limit is {limit.ToString(CultureInfo.InvariantCulture)} bytes");
        }
        return value * scale;
    }

    /// <summary>
    /// A size element of storage XML (<c>virStorageSize</c>, storage_conf.c): a plain
    /// decimal value, no '-', scaled by the <c>unit</c> attribute, at most
    /// <paramref name="limit"/>. Messages name the element.
    /// </summary>
    internal static ulong ParseXmlSize(string value, string? unit, string element, ulong limit = MaxStorageBytes)
    {
        if (!CNumbers.TryULongNoSign(value, 10, out var bytes))
        {
            throw LibvirtErrors.Xml($"malformed {element} element");
        }
        return ScaleXmlSize(bytes, unit, element, limit);
    }

    /// <summary><see cref="Scale"/> with messages naming the element whose unit is at fault.</summary>
    internal static ulong ScaleXmlSize(ulong bytes, string? unit, string element, ulong limit)
    {
        if (!TryGetScale(unit, 1, out var scale))
        {
            throw LibvirtErrors.InvalidArg($"unknown suffix '{unit}' (attribute 'unit' of element '{element}')");
        }
        if (bytes != 0 && bytes > limit / scale)
        {
            throw LibvirtErrors.Overflow(
                $"value too large: {bytes.ToString(CultureInfo.InvariantCulture)}{unit} (element '{element}')");
        }
        return bytes * scale;
    }

    private static StorageException Malformed(string text, string why) =>
        LibvirtErrors.InvalidArg($"malformed size '{text}': {why}");

    private static bool Is(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
