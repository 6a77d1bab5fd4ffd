using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace StorageFs.Core.Backend;

/// <summary>
/// The exceptions the driver and the backends throw, each message prefixed as libvirt's
/// <c>virErrorMsg</c> (src/util/virerror.c) prefixes that kind, so it reads as virsh prints it
/// ("Requested operation is not valid: storage pool 'p' is not active"). System errors read
/// as <c>virReportSystemError</c> writes them: "what: strerror".
/// </summary>
public static class StorageErrors
{
    /// <summary>VIR_ERR_OPERATION_INVALID.</summary>
    public static StorageException OperationInvalid(string message) =>
        new(ErrorCode.OperationInvalid, "Requested operation is not valid: " + message);

    /// <summary>VIR_ERR_OPERATION_INVALID for an object that is open (<see cref="StorageException.WhileOpen"/>).</summary>
    public static StorageException OpenConflict(string message) =>
        new(ErrorCode.OperationInvalid, "Requested operation is not valid: " + message) { WhileOpen = true };

    /// <summary>VIR_ERR_OPERATION_FAILED.</summary>
    public static StorageException OperationFailed(string message) =>
        new(ErrorCode.OperationFailed, "operation failed: " + message);

    /// <summary>VIR_ERR_INTERNAL_ERROR.</summary>
    public static StorageException Internal(string message, Exception? inner = null) =>
        new(ErrorCode.InternalError, "internal error: " + message, inner: inner);

    /// <summary>VIR_ERR_NO_SUPPORT.</summary>
    public static StorageException NoSupport(string message) =>
        new(ErrorCode.NoSupport, "this function is not supported by the connection driver: " + message);

    /// <summary>VIR_ERR_INVALID_ARG.</summary>
    public static StorageException InvalidArg(string message) =>
        new(ErrorCode.InvalidArg, "invalid argument: " + message);

    /// <summary>VIR_ERR_ARGUMENT_UNSUPPORTED (reported with the InvalidArg code).</summary>
    public static StorageException ArgumentUnsupported(string message) =>
        new(ErrorCode.InvalidArg, "argument unsupported: " + message);

    /// <summary>VIR_ERR_CONFIG_UNSUPPORTED.</summary>
    public static StorageException ConfigUnsupported(string message) =>
        new(ErrorCode.ConfigUnsupported, "unsupported configuration: " + message);

    /// <summary>VIR_ERR_NO_STORAGE_POOL.</summary>
    public static StorageException NoPool(string message) =>
        new(ErrorCode.NoStoragePool, "Storage pool not found: " + message);

    /// <summary>VIR_ERR_NO_STORAGE_VOL.</summary>
    public static StorageException NoVolume(string message) =>
        new(ErrorCode.NoStorageVol, "Storage volume not found: " + message);

    /// <summary>VIR_ERR_STORAGE_VOL_EXIST, whose text is "storage volume %s exists already".</summary>
    public static StorageException VolumeExists(string quotedName) =>
        new(ErrorCode.VolExists, $"storage volume {quotedName} exists already");

    /// <summary>VIR_ERR_NO_SECRET.</summary>
    public static StorageException NoSecret(string message) =>
        new(ErrorCode.NoSecret, "Secret not found: " + message);

    /// <summary>VIR_ERR_OPERATION_DENIED.</summary>
    public static StorageException Denied(string message) =>
        new(ErrorCode.OperationDenied, "operation forbidden: " + message);

    /// <summary>VIR_ERR_OPERATION_ABORTED: a job was cancelled.</summary>
    public static StorageException Aborted(string message) =>
        new(ErrorCode.OperationAborted, "operation aborted: " + message);

    /// <summary>A failed system call: "<paramref name="what"/>: strerror(errno)", keeping errno.</summary>
    public static StorageException System(int errno, string what) =>
        new(ErrorCode.OperationFailed, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    /// <summary>A failed .NET file operation, keeping the errno it carries when there is one.</summary>
    public static StorageException Io(Exception e, string what)
    {
        ArgumentNullException.ThrowIfNull(e);
        int? errno = e switch
        {
            UnauthorizedAccessException => 13,
            FileNotFoundException or DirectoryNotFoundException => 2,
            IOException io when io.HResult is > 0 and < 4096 => io.HResult,
            _ => null,
        };
        var reason = errno is { } n ? Marshal.GetPInvokeErrorMessage(n) : e.Message;
        return new StorageException(ErrorCode.OperationFailed, $"{what}: {reason}", errno, e);
    }

    /// <summary>Throws <see cref="System(int, string)"/> for the last P/Invoke error.</summary>
    [DoesNotReturn]
    public static void ThrowLastSystem(string what) => throw System(Marshal.GetLastPInvokeError(), what);
}
