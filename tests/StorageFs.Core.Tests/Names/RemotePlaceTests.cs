using StorageFs.Core.Backend;

namespace StorageFs.Core.Tests.Names;

public sealed class RemotePlaceTests
{
    [Theory]
    [InlineData("ssh://host-c/images/disk.raw", null, "host-c", null, "images", "disk.raw")]
    [InlineData("ssh://10.0.0.3/p/v", null, "10.0.0.3", null, "p", "v")]
    [InlineData("ssh://admin@c.example.org:2222/p/v", "admin", "c.example.org", 2222, "p", "v")]
    [InlineData("ssh://[fd00::3]:22/p/unit:0:0:1", null, "fd00::3", 22, "p", "unit:0:0:1")]
    [InlineData("ssh://[fd00::3]/p/v", null, "fd00::3", null, "p", "v")]
    public void Parse_WellFormedAddresses_GiveTheirParts(string text, string? user, string host, int? port, string pool, string name)
    {
        var place = RemotePlace.Parse(text);
        Assert.Equal(new RemotePlace(user, host, port, pool, name), place);
        Assert.Equal(text, place.ToString());
    }

    [Theory]
    [InlineData("ssh://-oProxyCommand=x/p/v", "a host is a name or address")]
    [InlineData("ssh:///p/v", "no host")]
    [InlineData("ssh://h/p", "the path must be POOL/NAME")]
    [InlineData("ssh://h/p/v/w", "the path must be POOL/NAME")]
    [InlineData("ssh://h/p/", "the path must be POOL/NAME")]
    [InlineData("ssh://h:0/p/v", "the port must be")]
    [InlineData("ssh://h:x/p/v", "the port must be")]
    [InlineData("ssh://-l@h/p/v", "a user name is")]
    [InlineData("ssh://h;rm/p/v", "a host is a name or address")]
    [InlineData("ssh://[fd00::3;x]/p/v", "a bracketed host is an IPv6 address")]
    [InlineData("ssh://h/p/..", "")]
    public void Parse_MalformedAddresses_FailWithEINVAL_NamingTheProblem(string text, string problem)
    {
        var e = Assert.Throws<StorageException>(() => RemotePlace.Parse(text));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains("ssh://[USER@]HOST[:PORT]/POOL/NAME", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh://h/p/v", true)]
    [InlineData("pool/vol", false)]
    [InlineData("/srv/file", false)]
    public void IsRemote_TellsSshPlacesFromLocalOnes(string text, bool remote) =>
        Assert.Equal(remote, RemotePlace.IsRemote(text));
}
