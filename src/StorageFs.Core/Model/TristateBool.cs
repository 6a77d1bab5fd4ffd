namespace StorageFs.Core.Model;

/// <summary>
/// A yes/no attribute that may be absent (libvirt's <c>virTristateBool</c>): absent
/// attributes are not formatted.
/// </summary>
public enum TristateBool
{
    Absent,
    Yes,
    No,
}
