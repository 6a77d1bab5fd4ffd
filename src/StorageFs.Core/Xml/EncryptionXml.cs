using System.Globalization;
using System.Xml.Linq;
using StorageFs.Core.Model;

namespace StorageFs.Core.Xml;

/// <summary>
/// A volume's <c>&lt;encryption&gt;</c> as src/conf/storage_encryption_conf.c reads and writes
/// it: format required; engine optional (never "default"); any number of passphrase
/// secrets; for format luks only, an optional cipher (name and size required) and an ivgen
/// that needs the cipher.
/// </summary>
internal static class EncryptionXml
{
    private static readonly string[] Formats = ["default", "qcow", "luks", "luks2"];
    private static readonly string[] Engines = ["default", "qemu", "librbd"];

    public static StorageEncryption Parse(XElement node)
    {
        var enc = new StorageEncryption();
        var format = XmlQuery.AttrString(node, "format")
            ?? throw LibvirtErrors.Xml("unknown volume encryption format");
        int f = Array.IndexOf(Formats, format);
        if (f < 0)
        {
            throw LibvirtErrors.Unsupported($"unknown volume encryption format type {format}");
        }
        enc.Format = (EncryptionFormat)f;

        var engine = XmlQuery.Prop(node, "engine");
        if (engine is not null)
        {
            int e = Array.IndexOf(Engines, engine);
            if (e <= 0)
            {
                throw LibvirtErrors.InvalidAttribute("engine", "encryption", engine);
            }
            enc.Engine = (EncryptionEngine)e;
        }

        foreach (var secret in XmlQuery.Nodes(node, "secret"))
        {
            var type = XmlQuery.AttrString(secret, "type")
                ?? throw LibvirtErrors.Xml("unknown volume encryption secret type");
            if (type != "passphrase")
            {
                throw LibvirtErrors.Unsupported($"unknown volume encryption secret type {type}");
            }
            enc.Secrets.Add(new EncryptionSecret(SecretXml.ParseLookup(secret)));
        }

        if (enc.Format == EncryptionFormat.Luks)
        {
            var cipher = XmlQuery.Node(node, "cipher");
            if (cipher is not null)
            {
                var name = XmlQuery.Prop(cipher, "name")
                    ?? throw LibvirtErrors.Xml("cipher info missing 'name' attribute");
                var sizeText = XmlQuery.Prop(cipher, "size")
                    ?? throw LibvirtErrors.MissingAttribute("size", "cipher");
                if (!CNumbers.TryUIntNoSign(sizeText, 10, out var size))
                {
                    throw LibvirtErrors.Xml(
                        $"Invalid value for attribute 'size' in element 'cipher': '{sizeText}'. Expected non-negative integer value");
                }
                enc.Cipher = new EncryptionCipher(name, size, XmlQuery.Prop(cipher, "mode"), XmlQuery.Prop(cipher, "hash"));
            }
            var ivgen = XmlQuery.Node(node, "ivgen");
            if (ivgen is not null)
            {
                if (enc.Cipher is null)
                {
                    throw LibvirtErrors.Xml("ivgen element found, but cipher is missing");
                }
                var name = XmlQuery.Prop(ivgen, "name")
                    ?? throw LibvirtErrors.Xml("missing ivgen info name string");
                enc.Ivgen = new EncryptionIvgen(name, XmlQuery.Prop(ivgen, "hash"));
            }
        }
        return enc;
    }

    public static void Format(XmlOutput o, StorageEncryption enc)
    {
        var format = Formats[(int)enc.Format];
        o.Open(enc.Engine == EncryptionEngine.Default
            ? $"encryption format='{format}'"
            : $"encryption format='{format}' engine='{Engines[(int)enc.Engine]}'");
        foreach (var secret in enc.Secrets)
        {
            SecretXml.FormatLookup(o, "passphrase", secret.Lookup);
        }
        if (enc.Format == EncryptionFormat.Luks && enc.Cipher is { } c)
        {
            var line = $"<cipher name='{LibvirtText.Escape(c.Name)}' size='{c.Size.ToString(CultureInfo.InvariantCulture)}'";
            if (c.Mode is not null)
            {
                line += $" mode='{LibvirtText.Escape(c.Mode)}'";
            }
            if (c.Hash is not null)
            {
                line += $" hash='{LibvirtText.Escape(c.Hash)}'";
            }
            o.Line(line + "/>");
            if (enc.Ivgen is { } iv)
            {
                o.Line($"<ivgen name='{LibvirtText.Escape(iv.Name)}'" +
                       (iv.Hash is null ? "" : $" hash='{LibvirtText.Escape(iv.Hash)}'") + "/>");
            }
        }
        o.Close("encryption");
    }
}
