using System.Globalization;

namespace StorageFs.Core.Xml;

/// <summary>
/// Number parsing with the exact acceptance rules of libvirt's <c>virStrToLong_*</c>
/// (src/util/virstring.c, over C <c>strtol</c>/<c>strtoull</c>: leading C-locale whitespace,
/// an optional sign, base 0/8/10/16 prefixes, the whole string consumed, overflow refused) and
/// of XPath <c>number()</c> as libxml2 evaluates it.
/// </summary>
internal static class CNumbers
{
    /// <summary><c>virStrToLong_i</c>: a C int.</summary>
    public static bool TryInt(string s, int @base, out int value)
    {
        value = 0;
        if (!TryStrtol(s, @base, out var l) || l < int.MinValue || l > int.MaxValue)
        {
            return false;
        }
        value = (int)l;
        return true;
    }

    /// <summary><c>virStrToLong_l</c> / <c>_ll</c>: a 64-bit signed long.</summary>
    public static bool TryLong(string s, int @base, out long value) => TryStrtol(s, @base, out value);

    /// <summary><c>virStrToLong_ullp</c>: an unsigned 64-bit value, any '-' refused.</summary>
    public static bool TryULongNoSign(string s, int @base, out ulong value)
    {
        value = 0;
        if (!Scan(s, @base, out var negative, out var magnitude, out var sawMinus) || sawMinus || negative)
        {
            return false;
        }
        value = magnitude;
        return true;
    }

    /// <summary><c>virStrToLong_ullp</c> with an end pointer: a decimal prefix (leading
    /// whitespace and '+' allowed, '-' refused); <paramref name="end"/> is where it stopped.</summary>
    public static bool TryULongPrefix(string s, out ulong value, out int end)
    {
        value = 0;
        end = 0;
        int i = 0;
        while (i < s.Length && IsCSpace(s[i]))
        {
            i++;
        }
        if (i < s.Length && s[i] == '-')
        {
            return false;
        }
        if (i < s.Length && s[i] == '+')
        {
            i++;
        }
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            var d = (ulong)(s[i] - '0');
            if (value > (ulong.MaxValue - d) / 10)
            {
                return false;
            }
            value = value * 10 + d;
            i++;
        }
        end = i;
        return i > start;
    }

    /// <summary><c>virStrToLong_uip</c>: an unsigned int, any '-' refused.</summary>
    public static bool TryUIntNoSign(string s, int @base, out uint value)
    {
        value = 0;
        if (!TryULongNoSign(s, @base, out var v) || v > uint.MaxValue)
        {
            return false;
        }
        value = (uint)v;
        return true;
    }

    /// <summary><c>virStrToLong_ui</c>: an unsigned int; a negative value within the int
    /// range wraps, as strtoul does.</summary>
    public static bool TryUInt(string s, int @base, out uint value)
    {
        value = 0;
        if (!Scan(s, @base, out var negative, out var magnitude, out _))
        {
            return false;
        }
        if (!negative)
        {
            if (magnitude > uint.MaxValue)
            {
                return false;
            }
            value = (uint)magnitude;
            return true;
        }
        if (magnitude > (ulong)int.MaxValue + 1)
        {
            return false;
        }
        value = unchecked((uint)-(long)magnitude);
        return true;
    }

    /// <summary>XPath <c>number()</c> of a string (libxml2's <c>xmlXPathStringEvalNumber</c>):
    /// surrounding XML whitespace, optional '-', digits with an optional fraction and exponent;
    /// anything else is NaN.</summary>
    public static double XPathNumber(string s)
    {
        var t = s.Trim(' ', '\t', '\r', '\n');
        if (t.Length == 0)
        {
            return double.NaN;
        }
        int i = 0;
        if (t[i] == '-')
        {
            i++;
        }
        int digits = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i]))
        {
            i++;
            digits++;
        }
        if (i < t.Length && t[i] == '.')
        {
            i++;
            while (i < t.Length && char.IsAsciiDigit(t[i]))
            {
                i++;
                digits++;
            }
        }
        if (digits == 0)
        {
            return double.NaN;
        }
        if (i < t.Length && (t[i] == 'e' || t[i] == 'E'))
        {
            i++;
            if (i < t.Length && (t[i] == '+' || t[i] == '-'))
            {
                i++;
            }
            int expDigits = 0;
            while (i < t.Length && char.IsAsciiDigit(t[i]))
            {
                i++;
                expDigits++;
            }
            if (expDigits == 0)
            {
                return double.NaN;
            }
        }
        if (i != t.Length)
        {
            return double.NaN;
        }
        return double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary><c>virXPathLongLong("number(…)")</c>: the value when it is a whole number that
    /// fits a long long.</summary>
    public static bool TryXPathLongLong(string s, out long value)
    {
        value = 0;
        var d = XPathNumber(s);
        if (double.IsNaN(d) || d < -9.2233720368547758E18 || d >= 9.2233720368547758E18)
        {
            return false;
        }
        value = (long)d;
        return value == d;
    }

    private static bool TryStrtol(string s, int @base, out long value)
    {
        value = 0;
        if (!Scan(s, @base, out var negative, out var magnitude, out _))
        {
            return false;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }
            value = unchecked(-(long)magnitude);
            return true;
        }
        if (magnitude > long.MaxValue)
        {
            return false;
        }
        value = (long)magnitude;
        return true;
    }

    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    // strtoull's grammar; false when no digits, trailing garbage, or the magnitude overflows.
    private static bool Scan(string s, int @base, out bool negative, out ulong magnitude, out bool sawMinus)
    {
        negative = false;
        sawMinus = false;
        magnitude = 0;
        int i = 0;
        while (i < s.Length && IsCSpace(s[i]))
        {
            i++;
        }
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            sawMinus = negative;
            i++;
        }
        int radix = @base;
        bool hexPrefix = i + 1 < s.Length && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
        if ((radix == 0 || radix == 16) && hexPrefix && i + 2 < s.Length && IsDigit(s[i + 2], 16))
        {
            radix = 16;
            i += 2;
        }
        else if (radix == 0)
        {
            radix = i < s.Length && s[i] == '0' ? 8 : 10;
        }
        int start = i;
        while (i < s.Length && IsDigit(s[i], radix))
        {
            var d = (ulong)HexValue(s[i]);
            if (magnitude > (ulong.MaxValue - d) / (ulong)radix)
            {
                return false;
            }
            magnitude = magnitude * (ulong)radix + d;
            i++;
        }
        return i > start && i == s.Length;
    }

    private static bool IsDigit(char c, int radix) => char.IsAsciiHexDigit(c) && HexValue(c) < radix;

    private static int HexValue(char c) =>
        c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a' + 10);
}
