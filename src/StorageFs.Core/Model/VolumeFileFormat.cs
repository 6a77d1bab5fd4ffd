namespace StorageFs.Core.Model;

/// <summary>
/// Volume file formats of file-backed pools, in libvirt's <c>virStorageFileFormat</c> order
/// (storage_source_conf.c). Invariant: <c>StorageFormats.File[(int)f]</c> is the XML name of f.
/// </summary>
public enum VolumeFileFormat
{
    None, Raw, Dir, Bochs, Cloop, Dmg, Iso, Vpc, Vdi, Fat, Vhd, Ploop, Cow, Qcow, Qcow2, Qed, Vmdk,
}
