namespace StorageFs.Backends.Tests.Scsi;

/// <summary>
/// A fact needing a kernel subsystem this machine may lack; skipped naming the missing piece:
/// "iscsi" (the iscsi_tcp initiator), "scsi" (any SCSI host), "dm" (device-mapper).
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute(string subsystem)
    {
        Skip = subsystem switch
        {
            "iscsi" when !Directory.Exists("/sys/class/iscsi_transport/tcp") =>
                "needs the kernel iSCSI initiator: /sys/class/iscsi_transport/tcp is missing (kernel without CONFIG_ISCSI_TCP and " +
                "without loadable modules; iscsid fails with 'can not create NETLINK_ISCSI socket'); the iscsiadm command lines " +
                "and the sysfs LUN scan are tested on a recorder and a fixture tree instead",
            "scsi" when !Directory.Exists("/sys/class/scsi_host") =>
                "needs a SCSI host: /sys/class/scsi_host is missing (kernel without CONFIG_SCSI); the sysfs scan is tested on a fixture tree instead",
            "dm" when !Directory.Exists("/sys/class/misc/device-mapper") =>
                "needs device-mapper: /sys/class/misc/device-mapper is missing (kernel without CONFIG_BLK_DEV_DM); multipath maps " +
                "are read from a fixture tree instead",
            _ => null,
        };
    }
}
