using StorageFs.Core.Xml;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.Mounted;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>
/// libvirt's storagepoolxml2argvtest over libvirt 9.0.0's corpus (tests/corpus/fetch-libvirt): every <c>pool-argv</c> row's pool
/// gives exactly the start command in its .argv file (mount for fs/netfs, vgchange for
/// logical), rendered as libvirt renders argv; FAIL rows are the types that start without a
/// command.
/// </summary>
public sealed class PoolArgvConformanceTests
{
    public static TheoryData<string, string> PoolArgvRows
    {
        get
        {
            var data = new TheoryData<string, string>();
            if (LibvirtCorpus.Current is null)
            {
                data.Add(LibvirtCorpus.Missing, "");
                return data;
            }
            foreach (var row in LibvirtCorpus.Current.Of("pool-argv"))
            {
                data.Add(row.Input, row.Expected);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PoolArgvRows))]
    public void StartCommand_MatchesLibvirtsArgvFile(string input, string expected)
    {
        var root = LibvirtCorpus.Require().Root;
        var pool = PoolXml.Parse(File.ReadAllText(Path.Combine(root, input)));

        var argv = StartCommands.For(pool);

        if (expected == "FAIL")
        {
            Assert.Null(argv);
            return;
        }
        Assert.NotNull(argv);
        var want = File.ReadAllText(Path.Combine(root, expected)).TrimEnd('\n');
        Assert.Equal(want, CommandLineText.Render(argv));
    }

    [Fact]
    public void GlusterWithoutSlash_MountsHostColonVolume_AsLibvirtWrites()
    {
        var root = LibvirtCorpus.Require().Root;
        var pool = PoolXml.Parse(File.ReadAllText(Path.Combine(root, "tests/storagepoolxml2xmlin/pool-netfs-gluster-without-slash.xml")));

        Assert.Equal(["mount", "-o", "nodev,nosuid,noexec,direct-io-mode=1", "-t", "glusterfs", "example.com:volume", "/mnt/gluster"],
            MountCommands.Mount(pool));
    }
}
