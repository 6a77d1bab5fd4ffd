namespace StorageFs.Backends.QemuImg;

/// <summary>
/// The `-o` options libvirt can pass to `qemu-img create` and `convert`, model-free.
/// <see cref="Compat"/> null means libvirt's default: "0.10" for qcow2, nothing otherwise.
/// LUKS encryption options are not covered yet.
/// </summary>
public sealed record QemuImgImageOptions
{
    public QemuImgPreallocation Preallocation { get; init; }

    public bool NoCow { get; init; }

    public string? Compat { get; init; }

    public ulong? ClusterSize { get; init; }

    public bool LazyRefcounts { get; init; }

    public bool ExtendedL2 { get; init; }
}
