using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Vfs.Tree;

namespace StorageFs.Vfs.Tests;

/// <summary>The words of the ctl commands (Tree/Words.cs), beside what tests/StorageFs.Fuzz's ctl target checks.</summary>
public sealed class WordsTests
{
    [Theory]
    [InlineData("zero", WipeAlgorithm.Zero)]
    [InlineData("GUTMANN", WipeAlgorithm.Gutmann)]
    [InlineData("pfitzner33", WipeAlgorithm.Pfitzner33)]
    public void Wipe_TakesTheListedNames_InAnyCase(string word, WipeAlgorithm expected)
    {
        Assert.Equal(expected, Words.Wipe(["wipe", word]));
    }

    // Enum.TryParse reads "a,b" as a flags combination and "+4" or " 4" as a number: nnsa,dod
    // (1|2) was taken as bsi (3), zero,random as random, +4 as gutmann.
    [Theory]
    [InlineData("nnsa,dod")]
    [InlineData("zero,random")]
    [InlineData("+4")]
    [InlineData("-0")]
    [InlineData("Zero,")]
    public void Wipe_RefusesOtherSpellings_WithEINVAL(string word)
    {
        var e = Assert.Throws<StorageException>(() => Words.Wipe(["wipe", word]));
        Assert.Equal(ErrorCode.InvalidArg, e.Code);
        Assert.Contains($"unknown wipe algorithm '{word}'", e.Message);
    }
}
