namespace StorageFs.Core.Secrets;

/// <summary>The XML words of <see cref="SecretUsageType"/> (<c>VIR_ENUM_IMPL(virSecretUsage, …)</c>).</summary>
public static class SecretUsageTypes
{
    /// <summary>The word in <c>&lt;usage type='…'&gt;</c>.</summary>
    public static string ToXml(this SecretUsageType type) => type switch
    {
        SecretUsageType.None => "none",
        SecretUsageType.Volume => "volume",
        SecretUsageType.Ceph => "ceph",
        SecretUsageType.Iscsi => "iscsi",
        SecretUsageType.Tls => "tls",
        SecretUsageType.Vtpm => "vtpm",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses the word; false for an unknown one.</summary>
    public static bool TryParse(string text, out SecretUsageType type)
    {
        foreach (var t in Enum.GetValues<SecretUsageType>())
        {
            if (t.ToXml() == text)
            {
                type = t;
                return true;
            }
        }
        type = SecretUsageType.None;
        return false;
    }
}
