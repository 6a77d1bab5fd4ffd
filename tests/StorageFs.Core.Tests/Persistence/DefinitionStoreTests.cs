using System.Runtime.Versioning;
using System.Text;
using System.Xml.Linq;
using Serilog;
using Serilog.Events;
using StorageFs.Core.Persistence;

namespace StorageFs.Core.Tests.Persistence;

public sealed class DefinitionStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CollectingSink _sink = new();

    public void Dispose() => _dir.Dispose();

    private DefinitionStore NewStore(Func<DefinitionKind, string, string?>? validate = null) =>
        new(_dir.Path, new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_sink).CreateLogger(), validate);

    private string PoolFile(string name) => Path.Combine(_dir.Path, "pools", name + ".xml");

    [Fact]
    public void Save_ThenLoadInANewStore_ReturnsTheSameXmlNameUuid_WithDefaultFlags()
    {
        Guid uuid = Guid.NewGuid();
        string xml = TestXml.Pool("p1", uuid);
        NewStore().Save(DefinitionKind.Pool, "p1", uuid, xml);

        StoredDefinition loaded = Assert.Single(NewStore().Load());

        Assert.Equal(new StoredDefinition(DefinitionKind.Pool, "p1", uuid, xml, DefinitionFlags.Default), loaded);
    }

    [Fact]
    public void Save_PoolAndFsPoolOfTheSameName_LiveInSeparateFolders()
    {
        DefinitionStore store = NewStore();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        store.Save(DefinitionKind.Pool, "x", a, TestXml.Pool("x", a));
        store.Save(DefinitionKind.FsPool, "x", b, TestXml.FsPool("x", b));

        IReadOnlyList<StoredDefinition> all = NewStore().Load();

        Assert.Equal([(DefinitionKind.Pool, a), (DefinitionKind.FsPool, b)], all.Select(d => (d.Kind, d.Uuid!.Value)));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "pools", "x.xml")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "fspools", "x.xml")));
    }

    [Fact]
    public void Flags_PersistAcrossStores_AndARedefineKeepsThem()
    {
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();
        store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        store.SetAutostart(DefinitionKind.Pool, "p", true);
        store.SetIntendedState(DefinitionKind.Pool, "p", IntendedState.Running);
        store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid, "redefined"));

        StoredDefinition loaded = Assert.Single(NewStore().Load());

        Assert.Equal(new DefinitionFlags(true, IntendedState.Running), loaded.Flags);
        Assert.Contains("redefined", loaded.Xml, StringComparison.Ordinal);
    }

    [Fact]
    public void StoppedByUser_StaysStoppedAfterReload()
    {
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();
        store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        store.SetFlags(DefinitionKind.Pool, "p", new DefinitionFlags(true, IntendedState.Running));
        store.SetIntendedState(DefinitionKind.Pool, "p", IntendedState.Stopped);

        Assert.Equal(new DefinitionFlags(true, IntendedState.Stopped), Assert.Single(NewStore().Load()).Flags);
    }

    [Fact]
    public void SetFlags_OnAMissingDefinition_FailsWithNoStoragePool()
    {
        var e = Assert.Throws<StorageException>(() => NewStore().SetAutostart(DefinitionKind.Pool, "nosuch", true));

        Assert.Equal(ErrorCode.NoStoragePool, e.Code);
        Assert.Equal("no storage pool with matching name 'nosuch'", e.Message);
    }

    [Fact]
    public void Delete_RemovesDefinitionAndFlags_SoARedefineStartsFromDefaults()
    {
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();
        store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        store.SetFlags(DefinitionKind.Pool, "p", new DefinitionFlags(true, IntendedState.Running));

        Assert.True(store.Delete(DefinitionKind.Pool, "p"));
        Assert.False(store.Delete(DefinitionKind.Pool, "p"));
        Assert.Empty(NewStore().Load());
        Assert.Null(store.Find(DefinitionKind.Pool, "p"));

        StoredDefinition again = store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        Assert.Equal(DefinitionFlags.Default, again.Flags);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void StoredFile_IsOwnerOnly_AndAsAWholeIsWellFormedXmlWithThePoolRoot()
    {
        Guid uuid = Guid.NewGuid();
        NewStore().Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PoolFile("p")));
        XDocument doc = XDocument.Parse(File.ReadAllText(PoolFile("p")));
        Assert.Equal("pool", doc.Root!.Name.LocalName);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "pools"), ".tmp-*"));
    }

    [Theory]
    [InlineData("a/b", "storage pool name 'a/b' cannot contain '/'")]
    [InlineData(".hidden", "storage pool name '.hidden' cannot start with '.'")]
    [InlineData("..", "storage pool name '..' cannot start with '.'")]
    [InlineData("", "storage pool name '' cannot be empty")]
    [InlineData("a\0b", "storage pool name 'a\0b' cannot contain NUL")]
    public void Save_WithAnUnusableName_FailsWithInvalidArg(string name, string message)
    {
        var e = Assert.Throws<StorageException>(() => NewStore().Save(DefinitionKind.Pool, name, Guid.NewGuid(), "<pool/>"));

        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Save_NameTooLongForNameMax_FailsButTheLongestAllowedWorks()
    {
        string longest = new('n', DefinitionFile.MaxNameBytes);
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();

        store.Save(DefinitionKind.Pool, longest, uuid, TestXml.Pool(longest, uuid));
        var e = Assert.Throws<StorageException>(() => store.Save(DefinitionKind.Pool, longest + "n", uuid, TestXml.Pool(longest + "n", uuid)));

        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Single(NewStore().Load());
    }

    public static TheoryData<string, ErrorCode> RejectedDocuments => new()
    {
        { "<pool><name>p</name><uuid>{U}</uuid>", ErrorCode.XmlError },
        { "<fspool><name>p</name><uuid>{U}</uuid></fspool>", ErrorCode.XmlError },
        { "<pool><name>q</name><uuid>{U}</uuid></pool>", ErrorCode.InvalidArg },
        { "<pool><name>p</name><uuid>00000000-0000-0000-0000-000000000001</uuid></pool>", ErrorCode.InvalidArg },
        { "<pool><name>p</name></pool>", ErrorCode.InvalidArg },
        { "<?xml version='1.0'?><pool><name>p</name><uuid>{U}</uuid></pool>", ErrorCode.InvalidArg },
        { "<!DOCTYPE pool [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><pool><name>p</name><uuid>{U}</uuid><d>&b;</d></pool>", ErrorCode.XmlError },
    };

    [Theory]
    [MemberData(nameof(RejectedDocuments))]
    public void Save_ADocumentThatWouldNotLoadBack_IsRefusedAndNothingIsWritten(string template, ErrorCode code)
    {
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();

        var e = Assert.Throws<StorageException>(() => store.Save(DefinitionKind.Pool, "p", uuid, template.Replace("{U}", uuid.ToString(), StringComparison.Ordinal)));

        Assert.Equal(code, e.Code);
        Assert.False(File.Exists(PoolFile("p")));
    }

    [Fact]
    public void Save_ADocumentOverOneMebibyte_IsRefused()
    {
        Guid uuid = Guid.NewGuid();
        string xml = TestXml.Pool("p", uuid, new string('x', 2 * 1024 * 1024));

        var e = Assert.Throws<StorageException>(() => NewStore().Save(DefinitionKind.Pool, "p", uuid, xml));

        Assert.Equal(ErrorCode.InvalidArg, e.Code);
    }

    /// <summary>Each row turns a valid stored file "bad" into a damaged one.</summary>
    public static TheoryData<string> Damages => new()
    {
        "not-well-formed", "wrong-root", "name-mismatch", "truncated", "truncated-after-header",
        "flipped-byte", "invalid-utf8", "dtd", "bad-header", "hook-rejects", "hook-throws", "bad-uuid",
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Load_ACorruptFile_IsMovedAsideWithALoggedError_AndTheOthersStillLoad(string damage)
    {
        DefinitionStore store = NewStore();
        foreach (string name in new[] { "a", "bad", "z" })
        {
            Guid uuid = Guid.NewGuid();
            store.Save(DefinitionKind.Pool, name, uuid, TestXml.Pool(name, uuid));
        }

        byte[] good = File.ReadAllBytes(PoolFile("bad"));
        string text = Encoding.UTF8.GetString(good);
        string body = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        byte[] damaged = damage switch
        {
            "not-well-formed" => Encoding.UTF8.GetBytes(body.Replace("</pool>", "</poo>", StringComparison.Ordinal)),
            "wrong-root" => Encoding.UTF8.GetBytes(body.Replace("pool", "network", StringComparison.Ordinal)),
            "name-mismatch" => Encoding.UTF8.GetBytes(body.Replace("<name>bad</name>", "<name>other</name>", StringComparison.Ordinal)),
            "truncated" => good[..(good.Length / 2)],
            "truncated-after-header" => good[..(good.Length - 12)],
            "flipped-byte" => [.. good[..^20], (byte)(good[^20] ^ 0x01), .. good[^19..]],
            "invalid-utf8" => [0xff, 0xfe, .. good],
            "dtd" => Encoding.UTF8.GetBytes("<!DOCTYPE pool [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + body.Replace("<description>", "<description>&x;", StringComparison.Ordinal)),
            "bad-header" => Encoding.UTF8.GetBytes(text.Replace("state=\"stopped\"", "state=\"paused\"", StringComparison.Ordinal)),
            "bad-uuid" => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(body, "<uuid>.*</uuid>", "<uuid>not-a-uuid</uuid>")),
            _ => good,
        };
        File.WriteAllBytes(PoolFile("bad"), damaged);
        Func<DefinitionKind, string, string?>? hook = damage switch
        {
            "hook-rejects" => (_, xml) => xml.Contains("<name>bad</name>", StringComparison.Ordinal) ? "missing storage pool target path" : null,
            "hook-throws" => (_, xml) => xml.Contains("<name>bad</name>", StringComparison.Ordinal)
                ? throw new StorageException(ErrorCode.XmlError, "unknown storage pool type 'foo'")
                : null,
            _ => null,
        };

        IReadOnlyList<StoredDefinition> loaded = NewStore(hook).Load();

        Assert.Equal(["a", "z"], loaded.Select(d => d.Name));
        Assert.False(File.Exists(PoolFile("bad")));
        string moved = Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, "pools", "corrupt")));
        Assert.StartsWith("bad.xml.", Path.GetFileName(moved), StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(moved));
        LogEvent error = Assert.Single(_sink.Events, e => e.Level == LogEventLevel.Error);
        Assert.Equal(PoolFile("bad"), error.Properties["Path"].ToString().Trim('"'));
        Assert.DoesNotContain(NewStore().Load(), d => d.Name == "bad");
    }

    [Fact]
    public void Load_RemovesTempFilesLeftByACrash_AndNeverReturnsThem()
    {
        Guid uuid = Guid.NewGuid();
        NewStore().Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        string folder = Path.Combine(_dir.Path, "pools");
        File.WriteAllText(Path.Combine(folder, ".tmp-0123456789abcdef"), "<pool><name>half");
        File.WriteAllText(Path.Combine(folder, "README"), "not a definition");

        IReadOnlyList<StoredDefinition> loaded = NewStore().Load();

        Assert.Equal("p", Assert.Single(loaded).Name);
        Assert.False(File.Exists(Path.Combine(folder, ".tmp-0123456789abcdef")));
        Assert.True(File.Exists(Path.Combine(folder, "README")));
    }

    [Fact]
    public void Load_ALibvirtConfigCopiedInWithoutOurHeader_LoadsWithDefaultFlags()
    {
        Guid uuid = Guid.NewGuid();
        Directory.CreateDirectory(Path.Combine(_dir.Path, "pools"));
        string libvirt = """
            <!--
            WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
            OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
              virsh pool-edit default
            or other application using the libvirt API.
            -->

            """ + TestXml.Pool("default", uuid);
        File.WriteAllText(PoolFile("default"), libvirt);

        StoredDefinition loaded = Assert.Single(NewStore().Load());

        Assert.Equal(libvirt, loaded.Xml);
        Assert.Equal(uuid, loaded.Uuid);
        Assert.Equal(DefinitionFlags.Default, loaded.Flags);
    }

    [Fact]
    public void Find_OnADamagedFile_FailsWithInternalError()
    {
        Guid uuid = Guid.NewGuid();
        DefinitionStore store = NewStore();
        store.Save(DefinitionKind.Pool, "p", uuid, TestXml.Pool("p", uuid));
        File.WriteAllBytes(PoolFile("p"), File.ReadAllBytes(PoolFile("p"))[..40]);

        var e = Assert.Throws<StorageException>(() => store.Find(DefinitionKind.Pool, "p"));

        Assert.Equal(ErrorCode.InternalError, e.Code);
    }

    [Fact]
    public void ConcurrentCallsFromManyThreads_AllLand_AndNoFileIsDamaged()
    {
        DefinitionStore store = NewStore();
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            string name = "p" + (i % 16);
            Guid uuid = new(i % 16, 0, 0, new byte[8]);
            store.Save(DefinitionKind.Pool, name, uuid, TestXml.Pool(name, uuid, "gen" + i));
            store.SetAutostart(DefinitionKind.Pool, name, i % 2 == 0);
            _ = store.Find(DefinitionKind.Pool, name);
        });

        IReadOnlyList<StoredDefinition> loaded = NewStore().Load();

        Assert.Equal(16, loaded.Count);
        Assert.DoesNotContain(_sink.Events, e => e.Level >= LogEventLevel.Warning);
    }
}
