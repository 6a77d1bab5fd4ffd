namespace StorageFs.Backends.QemuImg;

/// <summary>
/// `qemu-img check --output=json` (qemu's ImageCheck in qapi/block-core.json). qemu-img
/// exits 0 when clean, 2 with corruptions, 3 with leaks only; all three print this.
/// </summary>
public sealed record QemuImgCheckResult(
    string Format,
    long CheckErrors,
    long Corruptions,
    long Leaks,
    long? ImageEndOffset,
    long? TotalClusters,
    long? AllocatedClusters)
{
    public bool IsClean => CheckErrors == 0 && Corruptions == 0 && Leaks == 0;
}
