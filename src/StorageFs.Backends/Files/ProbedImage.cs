namespace StorageFs.Backends.Files;

/// <summary>What <see cref="ImageProbe"/> found in a file's header.</summary>
/// <param name="Format">libvirt's format name ("raw", "qcow2", …).</param>
/// <param name="VirtualSize">The guest-visible size (the file size for raw).</param>
/// <param name="BackingPath">The backing file as written in the header (may be relative).</param>
/// <param name="BackingFormat">The backing format the header records, if any.</param>
/// <param name="Compat">qcow2 compatibility level: "0.10" (version 2) or "1.1" (version 3).</param>
/// <param name="Features">qcow2 features: 1 lazy refcounts, 2 extended L2.</param>
internal sealed record ProbedImage(
    string Format,
    ulong VirtualSize,
    string? BackingPath,
    string? BackingFormat,
    string? Compat,
    int Features)
{
    /// <summary>The size is not in a header StorageFs reads; ask qemu-img.</summary>
    public bool NeedsTool { get; init; }

    /// <summary>qcow2's cluster size in bytes (1 &lt;&lt; cluster_bits), 0 for other formats.</summary>
    public ulong ClusterSize { get; init; }
}
