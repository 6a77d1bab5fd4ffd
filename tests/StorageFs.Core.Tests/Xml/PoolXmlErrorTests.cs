using StorageFs.Core.Xml;

namespace StorageFs.Core.Tests.Xml;

/// <summary>Rejected pool documents give libvirt's message (storage_conf.c and friends),
/// naming the element or attribute at fault.</summary>
public sealed class PoolXmlErrorTests
{
    private const string T = "<target><path>/srv/p</path></target>";

    public static TheoryData<string, ErrorCode, string> Cases => new()
    {
        { "<pool><name>p</name></pool>", ErrorCode.XmlError,
          "XML error: Missing required attribute 'type' in element 'pool'" },
        { "<pool type='foo'><name>p</name></pool>", ErrorCode.XmlError,
          "XML error: unknown storage pool type 'foo' (attribute 'type' of element 'pool' must be one of dir, fs, netfs, logical, disk, iscsi, iscsi-direct, scsi, mpath, rbd, sheepdog, gluster, zfs, vstorage)" },
        { "<pool type='dir'>" + T + "</pool>", ErrorCode.XmlError, "XML error: missing pool source name element" },
        { "<pool type='dir'><name>a/b</name>" + T + "</pool>", ErrorCode.XmlError, "XML error: name a/b cannot contain '/'" },
        { "<pool type='dir'><name>p</name></pool>", ErrorCode.XmlError, "XML error: missing storage pool target path" },
        { "<pool type='dir'><name>p</name><uuid>nope</uuid>" + T + "</pool>", ErrorCode.XmlError, "XML error: malformed uuid element" },
        { "<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>0800</mode></permissions></target></pool>",
          ErrorCode.XmlError, "XML error: malformed octal mode" },
        { "<pool type='dir'><name>p</name><target><path>/p</path><permissions><mode>1777</mode></permissions></target></pool>",
          ErrorCode.XmlError, "XML error: malformed octal mode" },
        { "<pool type='dir'><name>p</name><target><path>/p</path><permissions><owner>root</owner></permissions></target></pool>",
          ErrorCode.XmlError, "XML error: malformed owner element" },
        { "<pool type='dir'><name>p</name><target><path>/p</path><permissions><group>-2</group></permissions></target></pool>",
          ErrorCode.XmlError, "XML error: malformed group element" },
        { "<pool type='netfs'><name>p</name><source><dir path='/x'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing storage pool source host name" },
        { "<pool type='netfs'><name>p</name><source><host name='h'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing storage pool source path" },
        { "<pool type='netfs'><name>p</name><source><host/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing storage pool host name" },
        { "<pool type='netfs'><name>p</name><source><host name='h' port='x'/><dir path='/x'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Invalid value for attribute 'port' in element 'host': 'x'. Expected integer value" },
        { "<pool type='netfs'><name>p</name><source><host name='h'/><dir path='/x'/><format type='zfs'/></source>" + T + "</pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown pool format type zfs" },
        { "<pool type='netfs'><name>p</name><source><host name='h'/><dir path='/x'/><format type='cifs'/><protocol ver='3'/></source>" + T + "</pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: storage pool protocol ver unsupported for pool type 'cifs'" },
        { "<pool type='netfs'><name>p</name><source><host name='h'/><dir path='/x'/><protocol ver='3,4'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: storage pool protocol ver '3,4' must not contain ','" },
        { "<pool type='fs'><name>p</name>" + T + "</pool>", ErrorCode.XmlError, "XML error: missing storage pool source device name" },
        { "<pool type='disk'><name>p</name><source><device/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing storage pool source device path" },
        { "<pool type='disk'><name>p</name><source><device path='/dev/sda' part_separator='maybe'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Invalid value for attribute 'part_separator' in element 'device': 'maybe'." },
        { "<pool type='logical'><source><device path='/dev/sda'/></source></pool>",
          ErrorCode.XmlError, "XML error: missing pool source name element" },
        { "<pool type='rbd'><name>p</name><source><host name='h'/></source></pool>",
          ErrorCode.XmlError, "XML error: element 'name' is mandatory for RBD pool" },
        { "<pool type='rbd'><name>p</name><source><name>r</name><host name='h'/></source><refresh><volume allocation='all'/></refresh></pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown storage pool volume refresh allocation type all" },
        { "<pool type='iscsi-direct'><name>p</name><source><host name='h'/><device path='iqn.2013-06.com.example:t'/></source></pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: missing initiator IQN" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth username='u'><secret usage='s'/></auth></source>" + T + "</pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: storage pool missing auth type" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='chap'><secret usage='s'/></auth></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing username for auth" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='kerberos' username='u'><secret usage='s'/></auth></source>" + T + "</pool>",
          ErrorCode.ConfigUnsupported, "unsupported configuration: unknown auth type 'kerberos'" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='chap' username='u'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Missing <secret> element in auth" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='chap' username='u'><secret/></auth></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: missing secret uuid or usage attribute" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='chap' username='u'><secret usage='s' uuid='x'/></auth></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: either secret uuid or usage expected" },
        { "<pool type='iscsi'><name>p</name><source><host name='h'/><auth type='chap' username='u'><secret uuid='x'/></auth></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: invalid secret uuid 'x'" },
        { "<pool type='scsi'><name>p</name>" + T + "</pool>", ErrorCode.XmlError, "XML error: missing storage pool source adapter" },
        { "<pool type='scsi'><name>p</name><source><adapter type='fc_host' wwnn='20000000c9831b4b'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: 'wwnn' and 'wwpn' must be specified for adapter type 'fchost'" },
        { "<pool type='scsi'><name>p</name><source><adapter type='fc_host' wwnn='2000' wwpn='10000000c9831b4b'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Malformed wwn: 2000 (attribute 'wwnn' of element 'adapter')" },
        { "<pool type='scsi'><name>p</name><source><adapter type='fc_host' parent_wwnn='20000000c9831b4b' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: when providing parent_wwnn='20000000c9831b4b', the parent_wwpn must also be provided" },
        { "<pool type='scsi'><name>p</name><source><adapter type='scsi_host'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Either 'name' or 'parent' must be specified for the 'scsi_host' adapter" },
        { "<pool type='scsi'><name>p</name><source><adapter type='scsi_host' name='host0'><parentaddr unique_id='1'><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter" },
        { "<pool type='scsi'><name>p</name><source><adapter type='scsi_host'><parentaddr unique_id='1'/></adapter></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Missing scsi_host PCI address element" },
        { "<pool type='scsi'><name>p</name><source><adapter type='scsi_host'><parentaddr><address slot='1'/></parentaddr></adapter></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Missing or invalid scsi adapter 'unique_id' value" },
        { "<pool type='scsi'><name>p</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address slot='0x20'/></parentaddr></adapter></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Invalid PCI address slot='0x20', must be <= 0x1F" },
        { "<pool type='scsi'><name>p</name><source><adapter wwnn='20000000c9831b4b'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'" },
        { "<pool type='scsi'><name>p</name><source><adapter type='ide'/></source>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Invalid value for attribute 'type' in element 'adapter': 'ide'." },
        { "<pool type='logical'><name>p</name><features><cow state='yes'/></features></pool>",
          ErrorCode.NoSupport, "this function is not supported by the connection driver: cow feature may only be used for 'fs' and 'dir' pools" },
        { "<pool type='dir'><name>p</name><features><cow state='on'/></features>" + T + "</pool>",
          ErrorCode.XmlError, "XML error: Invalid value for attribute 'state' in element 'cow': 'on'." },
        { "<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'><name>p</name><source><host name='h'/><dir path='/x'/></source>" + T + "<fs:mount_opts><fs:option/></fs:mount_opts></pool>",
          ErrorCode.XmlError, "XML error: no fs mount option name specified" },
        { "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>p</name><source><name>r</name><host name='h'/></source><rbd:config_opts><rbd:option name='a'/></rbd:config_opts></pool>",
          ErrorCode.XmlError, "XML error: no rbd option value specified for name 'a'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_InvalidPool_FailsWithLibvirtsMessage(string xml, ErrorCode code, string message)
    {
        var e = Assert.Throws<StorageException>(() => PoolXml.Parse(xml));
        Assert.Equal(message, e.Message);
        Assert.Equal(code, e.Code);
    }
}
