namespace StorageFs.Core;

/// <summary>
/// Error kinds after libvirt's <c>virErrorNumber</c> (include/libvirt/virterror.h).
/// The Vfs layer maps each one to an errno in a single table (docs/TREE.md).
/// </summary>
public enum ErrorCode
{
    /// <summary>VIR_ERR_INTERNAL_ERROR: a bug or an unexpected tool failure.</summary>
    InternalError,
    /// <summary>VIR_ERR_NO_SUPPORT: the pool type cannot do this.</summary>
    NoSupport,
    /// <summary>VIR_ERR_INVALID_ARG: a bad argument (size, flag, name).</summary>
    InvalidArg,
    /// <summary>VIR_ERR_XML_ERROR: the document does not parse or breaks a rule.</summary>
    XmlError,
    /// <summary>VIR_ERR_CONFIG_UNSUPPORTED: valid XML asking for something unsupported.</summary>
    ConfigUnsupported,
    /// <summary>VIR_ERR_OPERATION_INVALID: not allowed in the object's current state.</summary>
    OperationInvalid,
    /// <summary>VIR_ERR_OPERATION_FAILED: the operation ran and failed.</summary>
    OperationFailed,
    /// <summary>VIR_ERR_NO_STORAGE_POOL.</summary>
    NoStoragePool,
    /// <summary>VIR_ERR_NO_STORAGE_VOL.</summary>
    NoStorageVol,
    /// <summary>A pool (or fspool) with this name, UUID or source already exists.</summary>
    PoolExists,
    /// <summary>A volume (or item) with this name already exists.</summary>
    VolExists,
    /// <summary>The object is busy (a job runs on it, or it is still active).</summary>
    Busy,
    /// <summary>VIR_ERR_OPERATION_DENIED: refused by policy (allowed directories, permissions).</summary>
    OperationDenied,
    /// <summary>VIR_ERR_OPERATION_ABORTED: a job was cancelled.</summary>
    OperationAborted,
    /// <summary>VIR_ERR_NO_SECRET: no secret matches, or it has no value (ENOKEY).</summary>
    NoSecret,
    /// <summary>A secret with this UUID or usage already exists (libvirt reports it as an
    /// internal error; EEXIST here).</summary>
    SecretExists,
}
