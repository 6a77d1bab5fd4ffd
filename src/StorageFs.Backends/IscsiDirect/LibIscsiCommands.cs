using System.Globalization;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>
/// Command lines of the user-space iSCSI tools the iscsi-direct pool runs in place of libvirt's
/// in-process libiscsi calls: <c>iscsi-ls -s</c> (REPORT LUNS + INQUIRY), <c>iscsi-readcapacity16</c>
/// (READ CAPACITY 16) and, for a zero wipe, qemu-io's <c>write -z</c> through qemu's iscsi driver
/// (WRITE SAME). The CHAP password never appears on a command line: libiscsi reads it from
/// LIBISCSI_CHAP_PASSWORD, qemu from a secret object backed by a root-only file.
/// </summary>
public static class LibIscsiCommands
{
    /// <summary>A libiscsi URL: <c>iscsi://[user@]portal[/target/lun]</c>.</summary>
    public static string Url(string portal, string? user, string? target = null, int? lun = null)
    {
        var url = "iscsi://" + (user is null ? "" : Uri.EscapeDataString(user) + "@") + portal;
        if (target is not null)
        {
            url += "/" + target + "/" + (lun ?? 0).ToString(CultureInfo.InvariantCulture);
        }
        return url;
    }

    /// <summary><c>iscsi-ls -s -i INITIATOR iscsi://[user@]portal</c>.</summary>
    public static IReadOnlyList<string> List(string initiator, string portal, string? user) =>
        ["iscsi-ls", "-s", "-i", initiator, Url(portal, user)];

    /// <summary><c>iscsi-readcapacity16 -i INITIATOR iscsi://[user@]portal/target/lun</c>.</summary>
    public static IReadOnlyList<string> ReadCapacity(string initiator, string portal, string? user, string target, int lun) =>
        ["iscsi-readcapacity16", "-i", initiator, Url(portal, user, target, lun)];

    /// <summary>qemu-io writing zeros over <paramref name="size"/> bytes of a LUN.</summary>
    /// <param name="secretFile">File holding the CHAP password, when there is a user.</param>
    public static IReadOnlyList<string> WriteZeroes(string initiator, string portal, string? user, string? secretFile,
        string target, int lun, ulong size)
    {
        var argv = new List<string> { "qemu-io" };
        var opts = $"driver=raw,file.driver=iscsi,file.transport=tcp,file.portal={portal},file.target={target}," +
                   $"file.lun={lun.ToString(CultureInfo.InvariantCulture)},file.initiator-name={initiator}";
        if (user is not null && secretFile is not null)
        {
            argv.AddRange(["--object", $"secret,id=sfs-chap,file={secretFile}"]);
            opts += $",file.user={user},file.password-secret=sfs-chap";
        }
        argv.AddRange(["--image-opts", opts, "-c", $"write -z 0 {size.ToString(CultureInfo.InvariantCulture)}"]);
        return argv;
    }
}
