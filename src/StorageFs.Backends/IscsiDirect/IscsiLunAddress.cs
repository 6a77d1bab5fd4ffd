using System.Globalization;
using StorageFs.Backends.Devices;

namespace StorageFs.Backends.IscsiDirect;

/// <summary>One LUN of an iSCSI target as a session reaches it: portal (<c>host:port</c>),
/// target IQN, LUN, the initiator IQN it logs in as and the CHAP account if any.</summary>
/// <param name="Portal">host:port (IPv6 in brackets).</param>
/// <param name="Target">Target IQN.</param>
/// <param name="Lun">Logical unit number.</param>
/// <param name="Initiator">Initiator IQN.</param>
/// <param name="Credentials">CHAP account, or null.</param>
internal sealed record IscsiLunAddress(string Portal, string Target, int Lun, string Initiator, IscsiCredentials? Credentials)
{
    /// <summary>How messages name the LUN (never with the password).</summary>
    public override string ToString() =>
        $"LUN {Lun.ToString(CultureInfo.InvariantCulture)} of iSCSI target '{Target}' at {Portal}";
}
