using StorageFs.Core.Backend;

namespace StorageFs.Backends.Files;

/// <summary>
/// The pass sequences of libvirt's wipe algorithms, which libvirt delegates to scrub(1)
/// (<c>scrub -f -p ALG</c>, src/storage/storage_util.c; patterns from scrub's src/genrand.c
/// and src/pattern.c, listed in scrub(1)). StorageFs writes them itself, so no external tool
/// is needed. Zero and trim are not here: they punch holes (<see cref="Wiper"/>).
/// </summary>
internal static class WipePasses
{
    public static IReadOnlyList<WipePass> For(WipeAlgorithm algorithm) => algorithm switch
    {
        WipeAlgorithm.Nnsa => [WipePass.Random, WipePass.Random, WipePass.Of(0x00), WipePass.Verify],
        WipeAlgorithm.Dod => [WipePass.Random, WipePass.Of(0x00), WipePass.Of(0xff), WipePass.Verify],
        WipeAlgorithm.Bsi => [.. new byte[] { 0xff, 0xfe, 0xfd, 0xfb, 0xf7, 0xef, 0xdf, 0xbf, 0x7f }.Select(b => WipePass.Of(b))],
        WipeAlgorithm.Gutmann => Gutmann(),
        WipeAlgorithm.Schneier => [WipePass.Of(0x00), WipePass.Of(0xff), .. Enumerable.Repeat(WipePass.Random, 5)],
        WipeAlgorithm.Pfitzner7 => [.. Enumerable.Repeat(WipePass.Random, 7)],
        WipeAlgorithm.Pfitzner33 => [.. Enumerable.Repeat(WipePass.Random, 33)],
        WipeAlgorithm.Random => [WipePass.Random],
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a pattern algorithm"),
    };

    // Peter Gutmann, "Secure Deletion of Data from Magnetic and Solid-State Memory" (1996):
    // 4 random passes, 27 fixed patterns, 4 random passes.
    private static List<WipePass> Gutmann()
    {
        var passes = new List<WipePass>();
        passes.AddRange(Enumerable.Repeat(WipePass.Random, 4));
        passes.Add(WipePass.Of(0x55));
        passes.Add(WipePass.Of(0xaa));
        passes.Add(WipePass.Of(0x92, 0x49, 0x24));
        passes.Add(WipePass.Of(0x49, 0x24, 0x92));
        passes.Add(WipePass.Of(0x24, 0x92, 0x49));
        for (int b = 0x00; b <= 0xff; b += 0x11)
        {
            passes.Add(WipePass.Of((byte)b));
        }
        passes.Add(WipePass.Of(0x92, 0x49, 0x24));
        passes.Add(WipePass.Of(0x49, 0x24, 0x92));
        passes.Add(WipePass.Of(0x24, 0x92, 0x49));
        passes.Add(WipePass.Of(0x6d, 0xb6, 0xdb));
        passes.Add(WipePass.Of(0xb6, 0xdb, 0x6d));
        passes.Add(WipePass.Of(0xdb, 0x6d, 0xb6));
        passes.AddRange(Enumerable.Repeat(WipePass.Random, 4));
        return passes;
    }
}
