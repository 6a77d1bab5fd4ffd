using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// <c>&lt;secret uuid|usage/&gt;</c> lookups (<c>virSecretLookupParseSecret</c> /
/// <c>virSecretLookupFormatSecret</c>, src/util/virsecret.c) and a pool source's
/// <c>&lt;auth&gt;</c> (<c>virStorageAuthDefParse</c>/<c>…Format</c>, storage_source_conf.c).
/// </summary>
internal static class SecretXml
{
    public static SecretLookup ParseLookup(XElement secret)
    {
        var uuid = XmlQuery.Prop(secret, "uuid");
        var usage = XmlQuery.Prop(secret, "usage");
        if (uuid is null && usage is null)
        {
            throw LibvirtErrors.Xml("missing secret uuid or usage attribute");
        }
        if (uuid is not null && usage is not null)
        {
            throw LibvirtErrors.Xml("either secret uuid or usage expected");
        }
        if (uuid is not null)
        {
            if (!LibvirtText.TryParseUuid(uuid, out var guid))
            {
                throw LibvirtErrors.Xml($"invalid secret uuid '{uuid}'");
            }
            return SecretLookup.ByUuid(guid);
        }
        return SecretLookup.ByUsage(usage!);
    }

    public static void FormatLookup(XmlOutput o, string? secretType, SecretLookup lookup)
    {
        var head = secretType is null ? "<secret" : $"<secret type='{LibvirtText.Escape(secretType)}'";
        if (lookup.Uuid is { } uuid)
        {
            o.Line($"{head} uuid='{LibvirtText.FormatUuid(uuid)}'/>");
        }
        else
        {
            o.Line($"{head} usage='{LibvirtText.Escape(lookup.Usage!)}'/>");
        }
    }

    public static StorageAuth ParseAuth(XElement auth)
    {
        var username = XmlQuery.AttrString(auth, "username")
            ?? throw LibvirtErrors.Xml("missing username for auth");
        var type = AuthType.None;
        var typeText = XmlQuery.AttrString(auth, "type");
        if (typeText is not null)
        {
            type = typeText switch
            {
                "none" => AuthType.None,
                "chap" => AuthType.Chap,
                "ceph" => AuthType.Ceph,
                _ => throw LibvirtErrors.Unsupported($"unknown auth type '{typeText}'"),
            };
        }
        var secret = XmlQuery.Node(auth, "secret")
            ?? throw LibvirtErrors.Xml("Missing <secret> element in auth");
        return new StorageAuth
        {
            Type = type,
            Username = username,
            SecretType = XmlQuery.Prop(secret, "type"),
            Secret = ParseLookup(secret),
        };
    }

    public static void FormatAuth(XmlOutput o, StorageAuth auth)
    {
        var user = LibvirtText.Escape(auth.Username);
        o.Line(auth.Type switch
        {
            AuthType.Chap => $"<auth type='chap' username='{user}'>",
            AuthType.Ceph => $"<auth type='ceph' username='{user}'>",
            _ => $"<auth username='{user}'>",
        });
        o.Indent();
        FormatLookup(o, auth.SecretType, auth.Secret);
        o.Dedent();
        o.Line("</auth>");
    }
}
