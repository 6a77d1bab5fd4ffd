namespace StorageFs.Core.Backend;

/// <summary>
/// Volume wipe algorithms with libvirt's values (<c>virStorageVolWipeAlgorithm</c>,
/// include/libvirt/libvirt-storage.h); the pass patterns are scrub(1)'s, which libvirt runs
/// for everything but zero and trim (src/storage/storage_util.c).
/// </summary>
public enum WipeAlgorithm
{
    /// <summary>One pass of zeros.</summary>
    Zero = 0,

    /// <summary>NNSA NAP-14.1-C: random, random, 0x00, verify.</summary>
    Nnsa = 1,

    /// <summary>DoD 5220.22-M: random, 0x00, 0xff, verify.</summary>
    Dod = 2,

    /// <summary>BSI: 0xff 0xfe 0xfd 0xfb 0xf7 0xef 0xdf 0xbf 0x7f.</summary>
    Bsi = 3,

    /// <summary>Gutmann's 35 passes.</summary>
    Gutmann = 4,

    /// <summary>Schneier: 0x00, 0xff, then five random passes.</summary>
    Schneier = 5,

    /// <summary>Seven random passes.</summary>
    Pfitzner7 = 6,

    /// <summary>Thirty-three random passes.</summary>
    Pfitzner33 = 7,

    /// <summary>One random pass.</summary>
    Random = 8,

    /// <summary>Discard every block (punch the whole file out).</summary>
    Trim = 9,
}
