using System.Globalization;
using System.Text;
using StorageFs.Core;
using StorageFs.Core.Secrets;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// <c>secrets/</c>: the secret store as files (docs/TREE.md), after virsh's secret-define,
/// secret-set-value, secret-dumpxml, secret-undefine and secret-list. A definition is shown to
/// root only (mode 0400, and the daemon refuses another uid at open); a value is written only
/// (mode 0200) and never read back, by anyone: nothing in the tree renders it.
/// </summary>
internal static class SecretDirs
{
    public const string CtlUsage = "undefine UUID\n";

    private const string DefinitionRootOnly = "only root may read a secret's definition";
    private const string ValueWriteOnly = "a secret's value is write-only: it is never read back (set it with echo BASE64 > value)";

    public static VDir Secrets(StorageTree t, Func<string, VDir?> find) =>
        new VDir(Modes.DirReadOnly)
        {
            Path = "secrets",
            Refused = t.Refused,
            Hint = "define a secret by writing a <secret> document to secrets/define, remove one with 'undefine UUID' in secrets/UUID/ctl",
            List = _ => t.Secrets.List().Select(s => s.Uuid.ToString("D", CultureInfo.InvariantCulture)),
            Find = (_, name) => find(name),
        }
        .Add("define", t.Text("secrets/define", Modes.WriteOnly, null, (_, doc) => Define(t.Secrets, doc), WriteKind.Document));

    public static VDir Secret(StorageTree t, Guid uuid)
    {
        var s = t.Secrets;
        string u = uuid.ToString("D", CultureInfo.InvariantCulture);
        string at = $"secrets/{u}";
        return t.Dir(at, "a secret's files are fixed; remove the secret with 'undefine UUID' in its ctl")
            .Add("info", new TextFile($"{at}/info", Modes.RootReadOnly, ctx => Info(s, uuid, ctx.Uid), errors: t.Errors)
            {
                ReadRefusal = RootOnly,
            })
            .Add("xml", new TextFile($"{at}/xml", Modes.RootReadOnly, ctx => Xml(s, uuid, ctx.Uid), errors: t.Errors)
            {
                ReadRefusal = RootOnly,
            })
            .Add("value", new TextFile($"{at}/value", Modes.WriteOnlyNoRead, null, (_, v) => SetValue(s, uuid, v), WriteKind.Value, t.Errors)
            {
                ReadRefusal = _ => ValueWriteOnly,
            })
            .Add("ctl", t.Text($"{at}/ctl", Modes.WriteOnly, null, (_, c) => Command(s, uuid, c), usage: CtlUsage));
    }

    private static string? RootOnly(uint uid) => uid == 0 ? null : DefinitionRootOnly;

    private static string Define(SecretDriver secrets, string doc)
    {
        var def = secrets.Define(doc);
        return $"ok defined secret {def.Uuid.ToString("D", CultureInfo.InvariantCulture)}";
    }

    // The renderers check the uid once more: the mode keeps other users out only on a mount
    // with default_permissions.
    private static string Xml(SecretDriver secrets, Guid uuid, uint uid)
    {
        Denied(uid);
        return secrets.GetXml(uuid);
    }

    /// <summary>One line per fact, as virsh's *-info commands print them ("%-15s %s").</summary>
    private static string Info(SecretDriver secrets, Guid uuid, uint uid)
    {
        Denied(uid);
        var def = secrets.Find(uuid) ?? throw NotFound(uuid);
        var sb = new StringBuilder();
        void Row(string key, string value) => sb.Append(CultureInfo.InvariantCulture, $"{key + ":",-15} {value}\n");
        Row("UUID", def.Uuid.ToString("D", CultureInfo.InvariantCulture));
        Row("Usage", def.UsageType == SecretUsageType.None ? "none" : def.UsageText);
        if (def.Description is { } d)
        {
            Row("Description", d.ReplaceLineEndings(" "));
        }
        Row("Ephemeral", def.Ephemeral ? "yes" : "no");
        Row("Private", def.Private ? "yes" : "no");
        Row("Value", secrets.HasValue(uuid) ? "set" : "not set");
        return sb.ToString();
    }

    private static string SetValue(SecretDriver secrets, Guid uuid, string text)
    {
        byte[] value;
        try
        {
            value = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            // The message never repeats the input: it may be the secret itself.
            throw Words.Invalid("the value is not valid base64 (as virsh secret-set-value takes it); nothing changed");
        }
        try
        {
            secrets.SetValue(uuid, value);
        }
        finally
        {
            Array.Clear(value);
        }
        return $"ok value set for secret {uuid.ToString("D", CultureInfo.InvariantCulture)}";
    }

    private static string Command(SecretDriver secrets, Guid uuid, string command)
    {
        string[] w = Words.Split(command);
        string u = uuid.ToString("D", CultureInfo.InvariantCulture);
        switch (w[0])
        {
            case "undefine":
                Words.ExpectName(w, "undefine", u);
                secrets.Undefine(uuid);
                return $"ok undefined secret {u}";
            default:
                throw Words.Invalid($"unknown command '{w[0]}' (undefine UUID)");
        }
    }

    private static void Denied(uint uid)
    {
        if (uid != 0)
        {
            throw new StorageException(ErrorCode.OperationDenied, DefinitionRootOnly, 13);
        }
    }

    private static StorageException NotFound(Guid uuid) =>
        new(ErrorCode.NoSecret, $"Secret not found: no secret with matching uuid '{uuid.ToString("D", CultureInfo.InvariantCulture)}'");
}
