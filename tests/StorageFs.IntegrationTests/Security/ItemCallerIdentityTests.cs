using StorageFs.IntegrationTests.Tree;

namespace StorageFs.IntegrationTests.Security;

/// <summary>
/// Changes inside an item run with the caller's filesystem identity, so the
/// host itself grants or refuses them as it would for the caller: new files are the caller's
/// as the host makes them, and what the caller may not do fails on the host too, not only
/// in the kernel's check.
/// </summary>
public sealed class ItemCallerIdentityTests(TreeFixture fixture) : IClassFixture<TreeFixture>
{
    private const string Nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    private readonly TreeMount _tree = fixture.Mount;


    [Fact]
    public void AFileNobodyCreates_IsNobodys_AndASetGidDirectoryGivesItsGroup_AsTheHostMakesIt()
    {
        string f = _tree.NewRunningItem("own");
        string I = $"$M/fspools/{f}/items/a";
        Assert.Equal("65534:65534 644\n65534:4242 2755\n", _tree.Ok($"""
            mkdir -m 777 "{I}/pub"
            mkdir "{I}/grp" && chgrp 4242 "{I}/grp" && chmod 2777 "{I}/grp"
            {Nobody} bash -c 'umask 022; echo mine > "{I}/pub/f"; mkdir "{I}/grp/d"'
            stat -c '%u:%g %a' "$S/pools/{f}/a/pub/f" "$S/pools/{f}/a/grp/d"
            """));
    }

    [Fact]
    public void NobodyCreatingInARootDirectory_IsRefusedByTheHost_EvenWhenTheKernelsCachedModeAllowedIt()
    {
        string f = _tree.NewRunningItem("deny");
        string I = $"$M/fspools/{f}/items/a";
        // The kernel checks against attributes it caches for a second: nobody looks at the
        // directory while it is 0777, root makes it 0755 on the host, and nobody's create
        // reaches the daemon at once. The host, asked as nobody, refuses it.
        ShellResult r = _tree.Sh($"""
            mkdir -m 777 "{I}/d"
            {Nobody} stat -c %a "{I}/d" >/dev/null
            chmod 755 "$S/pools/{f}/a/d"
            {Nobody} bash -c 'echo x > "{I}/d/f"'
            """);

        Assert.False(r.Succeeded, _tree.Describe(r));
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
        _tree.Ok($"test ! -e \"$S/pools/{f}/a/d/f\"");
        _tree.AssertLastError($"fspools/{f}/items/a/d/f", "EACCES", op: "create");
    }
}
