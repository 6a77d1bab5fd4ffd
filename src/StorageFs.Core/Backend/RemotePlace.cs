using System.Diagnostics.CodeAnalysis;
using StorageFs.Core.Names;

namespace StorageFs.Core.Backend;

/// <summary>
/// A volume on another host, <c>ssh://[USER@]HOST[:PORT]/POOL/NAME</c>: reached with OpenSSH
/// (the transport libvirt uses for <c>qemu+ssh://</c>), the volume in that host's tree.
/// HOST is a name or address that cannot be read as an ssh option (it starts with a letter or
/// digit, or is a bracketed IPv6 address); POOL and NAME follow the tree's name rules.
/// </summary>
public sealed record RemotePlace(string? User, string Host, int? Port, string Pool, string Name)
{
    public const string Scheme = "ssh://";

    /// <summary>True when <paramref name="text"/> starts with <c>ssh://</c>: it must then parse.</summary>
    public static bool IsRemote(string text) => text.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>Parses <paramref name="text"/>; EINVAL naming what is wrong.</summary>
    public static RemotePlace Parse(string text)
    {
        if (!TryParse(text, out var place, out string? problem))
        {
            throw StorageErrors.InvalidArg($"'{text}': {problem} (expected ssh://[USER@]HOST[:PORT]/POOL/NAME)");
        }
        return place;
    }

    private static bool TryParse(string text, [NotNullWhen(true)] out RemotePlace? place, [NotNullWhen(false)] out string? problem)
    {
        place = null;
        if (!IsRemote(text))
        {
            problem = "not an ssh:// address";
            return false;
        }
        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            problem = "no host";
            return false;
        }
        string authority = rest[..slash];
        string[] path = rest[(slash + 1)..].Split('/');
        if (path.Length != 2 || path[0].Length == 0 || path[1].Length == 0)
        {
            problem = "the path must be POOL/NAME";
            return false;
        }
        string? user = null;
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            user = authority[..at];
            authority = authority[(at + 1)..];
            if (user.Length == 0 || !user.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') || user[0] == '-')
            {
                problem = "a user name is letters, digits, '_', '-' and '.'";
                return false;
            }
        }
        int? port = null;
        string host = authority;
        string? portText = null;
        int close = authority.IndexOf(']', StringComparison.Ordinal);
        if (authority.StartsWith('[') && close > 1)
        {
            host = authority[1..close];
            string after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after[0] == ':' ? after[1..] : "";
            }
            if (!host.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                problem = "a bracketed host is an IPv6 address";
                return false;
            }
        }
        else
        {
            int colon = authority.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                host = authority[..colon];
                portText = authority[(colon + 1)..];
            }
            if (host.Length == 0 || !char.IsAsciiLetterOrDigit(host[0]) || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                problem = "a host is a name or address: letters, digits, '.', '-' and '_', starting with a letter or digit";
                return false;
            }
        }
        if (portText is not null)
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
            {
                problem = "the port must be a number from 1 to 65535";
                return false;
            }
            port = p;
        }
        try
        {
            NameRules.Validate(NameKind.Pool, path[0]);
            NameRules.Validate(NameKind.Volume, path[1]);
        }
        catch (StorageException e)
        {
            problem = e.Message;
            return false;
        }
        place = new RemotePlace(user, host, port, path[0], path[1]);
        problem = null;
        return true;
    }

    public override string ToString() =>
        $"{Scheme}{(User is null ? "" : User + "@")}{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}{(Port is { } p ? $":{p}" : "")}/{Pool}/{Name}";
}
