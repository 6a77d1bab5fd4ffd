using System.Text;
using StorageFs.Core.Secrets;
using StorageFs.Core.Tests.Persistence;

namespace StorageFs.Core.Tests.Secrets;

/// <summary>
/// The secret store on a real directory: libvirt's define/undefine/set-value rules, the values
/// given to backends, and what is kept at rest (modes, atomic files, restarts).
/// </summary>
public sealed class SecretDriverTests : IDisposable
{
    private const string U1 = "f52a81b2-424e-490c-823d-6bd4235bc572";
    private const string U2 = "27f25d34-aea6-4e2a-be85-fa2c18380be8";
    private readonly TempDirectory _dir = new();

    private string Store => Path.Combine(_dir.Path, "secrets");

    public void Dispose() => _dir.Dispose();

    private static string Ceph(string uuid, string name, string attrs = "") =>
        $"<secret{attrs}><uuid>{uuid}</uuid><usage type='ceph'><name>{name}</name></usage></secret>";

    private static string Iscsi(string uuid, string target, string attrs = "") =>
        $"<secret{attrs}><uuid>{uuid}</uuid><usage type='iscsi'><target>{target}</target></usage></secret>";

    private string[] FilesAtRest() =>
        [.. Directory.GetFiles(Store).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void DefineAndSetValue_SurviveARestart_KeptMode0600InA0700Directory()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "client.admin", " private='yes'"));
        d.SetValue(Guid.Parse(U1), [1, 2, 3, 0, 255]);

        Assert.Equal([U1 + ".base64", U1 + ".xml"], FilesAtRest());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Store));
        Assert.All(Directory.GetFiles(Store), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Equal("AQIDAP8=", File.ReadAllText(Path.Combine(Store, U1 + ".base64")));

        var again = new SecretDriver(Store);
        Assert.Equal(d.GetXml(Guid.Parse(U1)), again.GetXml(Guid.Parse(U1)));
        Assert.Equal([1, 2, 3, 0, 255], again.GetValue(SecretLookup.ByUsage("client.admin"), SecretUsageType.Ceph));
    }

    [Fact]
    public void Ephemeral_NeverReachesTheDisk_AndIsGoneAfterRestart()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "eph", " ephemeral='yes'"));
        d.SetValue(Guid.Parse(U1), "k"u8);

        Assert.Empty(FilesAtRest());
        Assert.Equal("k"u8.ToArray(), d.GetValue(SecretLookup.ByUuid(Guid.Parse(U1)), SecretUsageType.Ceph));
        Assert.Empty(new SecretDriver(Store).List());
    }

    [Fact]
    public void Redefine_PersistentToEphemeral_RemovesItsFiles_AndBack_WritesTheKeptValue()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "n"));
        d.SetValue(Guid.Parse(U1), "v"u8);
        d.Define(Ceph(U1, "n", " ephemeral='yes'"));
        Assert.Empty(FilesAtRest());

        d.Define(Ceph(U1, "n"));
        Assert.Equal([U1 + ".base64", U1 + ".xml"], FilesAtRest());
        Assert.Equal("v"u8.ToArray(), new SecretDriver(Store).GetValue(SecretLookup.ByUsage("n"), SecretUsageType.Ceph));
    }

    [Fact]
    public void Define_UsageTakenByAnotherUuid_FailsEEXIST_AndChangesNothing()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "client.admin"));
        var before = File.ReadAllBytes(Path.Combine(Store, U1 + ".xml"));

        var e = Assert.Throws<StorageException>(() => d.Define(Ceph(U2, "client.admin")));

        Assert.Equal(ErrorCode.SecretExists, e.Code);
        Assert.Equal($"a secret with UUID {U1} already defined for use with client.admin", e.Message);
        Assert.Equal([U1 + ".xml"], FilesAtRest());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(Store, U1 + ".xml")));
        Assert.Single(d.List());
        // The same name under another usage type is another usage.
        d.Define(Iscsi(U2, "client.admin"));
        Assert.Equal(2, d.List().Count);
    }

    [Fact]
    public void Redefine_SameUuid_OtherUsageId_OrDroppingPrivate_IsRefused_ElseKeepsTheValue()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "a", " private='yes'"));
        d.SetValue(Guid.Parse(U1), "v"u8);

        Assert.Equal($"a secret with UUID {U1} is already defined for use with a",
            Assert.Throws<StorageException>(() => d.Define(Ceph(U1, "b", " private='yes'"))).Message);
        Assert.Equal("cannot change private flag on existing secret",
            Assert.Throws<StorageException>(() => d.Define(Ceph(U1, "a", " private='no'"))).Message);

        d.Define($"<secret private='yes'><uuid>{U1}</uuid><description>new</description><usage type='ceph'><name>a</name></usage></secret>");
        Assert.Equal("new", d.Find(Guid.Parse(U1))!.Description);
        Assert.Equal("v"u8.ToArray(), d.GetValue(SecretLookup.ByUuid(Guid.Parse(U1)), SecretUsageType.Ceph));
    }

    [Fact]
    public void BadXml_ChangesNothing()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "a"));

        Assert.Equal(ErrorCode.XmlError, Assert.Throws<StorageException>(() => d.Define("<secret><usage type='ceph'/></secret>")).Code);
        Assert.Equal(ErrorCode.XmlError, Assert.Throws<StorageException>(() => d.Define("<secret")).Code);

        Assert.Single(d.List());
        Assert.Equal([U1 + ".xml"], FilesAtRest());
    }

    [Fact]
    public void Undefine_RemovesDefinitionAndValue_FromDiskToo()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "a"));
        d.SetValue(Guid.Parse(U1), "v"u8);

        d.Undefine(Guid.Parse(U1));

        Assert.Empty(FilesAtRest());
        Assert.Empty(d.List());
        Assert.Equal(ErrorCode.NoSecret, Assert.Throws<StorageException>(() => d.Undefine(Guid.Parse(U1))).Code);
    }

    [Fact]
    public void GetValue_SaysWhichSecretIsMissing_OrHasNoValue_OrIsOfAnotherType()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "a"));

        Assert.Equal($"Secret not found: no secret with matching uuid '{U2}'",
            Assert.Throws<StorageException>(() => d.GetValue(SecretLookup.ByUuid(Guid.Parse(U2)), SecretUsageType.Iscsi)).Message);
        Assert.Equal("Secret not found: no secret with matching usage 'a'",
            Assert.Throws<StorageException>(() => d.GetValue(SecretLookup.ByUsage("a"), SecretUsageType.Iscsi)).Message);
        Assert.Equal($"Secret not found: secret '{U1}' does not have a value",
            Assert.Throws<StorageException>(() => d.GetValue(SecretLookup.ByUsage("a"), SecretUsageType.Ceph)).Message);
        Assert.False(d.TryGetValue(SecretLookup.ByUsage("a"), SecretUsageType.Ceph, out _));
        d.SetValue(Guid.Parse(U1), "v"u8);
        var mismatch = Assert.Throws<StorageException>(() => d.GetValue(SecretLookup.ByUuid(Guid.Parse(U1)), SecretUsageType.Iscsi));
        Assert.Equal($"invalid argument: secret with uuid {U1} is of type 'ceph' not expected 'iscsi' type", mismatch.Message);
        Assert.True(d.TryGetValue(SecretLookup.ByUsage("a"), SecretUsageType.Ceph, out var value));
        Assert.Equal("v"u8.ToArray(), value);
    }

    [Fact]
    public void GetValue_GivesACopy_ThatTheCallerMayClear()
    {
        var d = new SecretDriver();
        d.Define(Iscsi(U1, "t"));
        d.SetValue(Guid.Parse(U1), Encoding.UTF8.GetBytes("secret"));

        Array.Clear(d.GetValue(SecretLookup.ByUsage("t"), SecretUsageType.Iscsi));

        Assert.Equal("secret", Encoding.UTF8.GetString(d.GetValue(SecretLookup.ByUsage("t"), SecretUsageType.Iscsi)));
    }

    [Fact]
    public void SetValue_OverTheLimit_FailsEINVAL_AndKeepsTheOldValue()
    {
        var d = new SecretDriver(Store);
        d.Define(Ceph(U1, "a"));
        d.SetValue(Guid.Parse(U1), "old"u8);

        Assert.Equal(ErrorCode.InvalidArg,
            Assert.Throws<StorageException>(() => d.SetValue(Guid.Parse(U1), new byte[SecretDriver.MaxValueBytes + 1])).Code);

        Assert.Equal("old"u8.ToArray(), new SecretDriver(Store).GetValue(SecretLookup.ByUuid(Guid.Parse(U1)), SecretUsageType.Ceph));
    }

    [Fact]
    public void Load_DropsCrashLeftovers_AndSkipsABadDefinition()
    {
        Directory.CreateDirectory(Store);
        File.WriteAllText(Path.Combine(Store, ".tmp-0123456789abcdef"), "partial");
        File.WriteAllText(Path.Combine(Store, U2 + ".base64"), "b3JwaGFu");
        File.WriteAllText(Path.Combine(Store, U1 + ".xml"), "<secret><uuid>");
        File.WriteAllText(Path.Combine(Store, "00000000-0000-0000-0000-000000000001.xml"), Ceph(U2, "misnamed"));

        var d = new SecretDriver(Store);

        Assert.Empty(d.List());
        Assert.Equal([.. new[] { "00000000-0000-0000-0000-000000000001.xml", U1 + ".xml" }.Order(StringComparer.Ordinal)], FilesAtRest());
    }

    [Fact]
    public void Changed_IsRaisedForDefineValueAndUndefine()
    {
        var d = new SecretDriver();
        var seen = new List<SecretEventKind>();
        d.Changed += (_, e) => seen.Add(e.Kind);

        d.Define(Ceph(U1, "a"));
        d.SetValue(Guid.Parse(U1), "v"u8);
        d.Undefine(Guid.Parse(U1));

        Assert.Equal([SecretEventKind.Defined, SecretEventKind.ValueChanged, SecretEventKind.Undefined], seen);
    }
}
