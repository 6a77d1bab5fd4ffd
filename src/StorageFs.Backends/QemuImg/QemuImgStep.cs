namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Which command of a volume build to produce (libvirt's <c>virStorageVolEncryptConvertStep</c>,
/// storage_util.h): a single create or convert, or — when converting to or from an encrypted
/// volume — first an empty create of the target, then a convert with <c>--image-opts</c>.
/// </summary>
public enum QemuImgStep
{
    /// <summary>One command: create, or convert when there is an input volume.</summary>
    Single,

    /// <summary>Step 1 of an encrypted convert: create the target image.</summary>
    EncryptCreate,

    /// <summary>Step 2 of an encrypted convert: copy the data with image options.</summary>
    EncryptConvert,
}
