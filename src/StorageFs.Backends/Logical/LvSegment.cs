namespace StorageFs.Backends.Logical;

/// <summary>One row of <c>lvs</c>: a segment of a logical volume (an LV has one per segment).</summary>
/// <param name="Name">LV name.</param>
/// <param name="Origin">Origin LV of a snapshot, or empty.</param>
/// <param name="Uuid">LV UUID (the volume's key, as libvirt uses it).</param>
/// <param name="Devices">"PV(first extent)" items, comma-separated for striped segments.</param>
/// <param name="SegmentType">linear, striped, snapshot, thin-pool…</param>
/// <param name="Stripes">Stripe count.</param>
/// <param name="SegmentSize">Segment size in bytes.</param>
/// <param name="ExtentSize">The VG's extent size in bytes.</param>
/// <param name="Size">The whole LV's size in bytes.</param>
/// <param name="Attributes">lv_attr, e.g. "-wi-a-----" (first letter: volume type).</param>
/// <param name="Path">/dev/VG/LV.</param>
public sealed record LvSegment(
    string Name,
    string Origin,
    string Uuid,
    string Devices,
    string SegmentType,
    ulong Stripes,
    ulong SegmentSize,
    ulong ExtentSize,
    ulong Size,
    string Attributes,
    string Path);
