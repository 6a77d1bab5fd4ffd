using StorageFs.Core;
using StorageFs.Core.Model;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// The resolved facts a qemu-img command is built from (libvirt's
/// <c>_virStorageBackendQemuImgInfo</c>, filled and checked as
/// <c>virStorageBackendCreateQemuImgSetInfo</c> does). Formats are libvirt's names; a volume
/// without a format is "none", as libvirt's zero enum value prints.
/// </summary>
internal sealed class QemuImgFacts
{
    public required string Format { get; set; }

    public required string Type { get; set; }

    public string? InputType { get; set; }

    public string? Path { get; init; }

    public ulong SizeKiB { get; set; }

    public ulong AllocationKiB { get; init; }

    public ulong ClusterSize { get; init; }

    public bool Preallocate { get; init; }

    public string? Compat { get; init; }

    public VolumeFeatures? Features { get; init; }

    public bool NoCow { get; init; }

    public string? BackingPath { get; set; }

    public string? BackingFormat { get; set; }

    public string? InputPath { get; set; }

    public string? InputFormat { get; set; }

    public static QemuImgFacts From(QemuImgRequest request, QemuImgStep step)
    {
        var vol = request.Volume;
        var input = request.Input;
        var format = vol.Target.Format ?? "none";
        if (vol.Type == VolumeType.Block || format == "iso")
        {
            format = "raw";
        }
        var info = new QemuImgFacts
        {
            Format = format,
            Type = format,
            InputType = input is null ? null : input.Target.Format ?? "none",
            Path = vol.Target.Path,
            AllocationKiB = DivUp(vol.Allocation),
            ClusterSize = vol.Target.ClusterSize,
            Preallocate = (request.Flags & QemuImgCreateFlags.PreallocMetadata) != 0,
            Compat = vol.Target.Compat,
            Features = vol.Target.Features,
            NoCow = vol.Target.NoCow,
        };

        if (info.Preallocate && format != "qcow2")
        {
            throw QemuImgCommandBuilder.Unsupported("metadata preallocation only available with qcow2");
        }
        if (info.Compat is not null && format != "qcow2")
        {
            throw QemuImgCommandBuilder.Unsupported("compatibility option only available with qcow2");
        }
        if (info.Features is not null && format != "qcow2")
        {
            throw QemuImgCommandBuilder.Unsupported("format features only available with qcow2");
        }
        if (format == "raw" && vol.Target.Encryption is { } enc)
        {
            info.Type = enc.Format == EncryptionFormat.Luks
                ? "luks"
                : throw QemuImgCommandBuilder.Internal("Only luks encryption is supported for raw files");
        }
        if (input is not null && input.Target.Format == "raw" && input.Target.Encryption is { } inputEnc)
        {
            info.InputType = inputEnc.Format == EncryptionFormat.Luks
                ? "luks"
                : throw QemuImgCommandBuilder.Internal("Only luks encryption is supported for raw files");
        }
        if (input is not null)
        {
            info.SetInput(input, step);
        }
        if (vol.BackingStore is { } backing)
        {
            info.SetBacking(backing, input);
        }
        if (vol.Target.Encryption is { } encryption)
        {
            CheckEncryption(format, info.Type, encryption);
        }
        info.SizeKiB = DivUp(vol.Capacity);
        return info;
    }

    // storageBackendCreateQemuImgSetInput.
    private void SetInput(VolumeDefinition input, QemuImgStep step)
    {
        if (step != QemuImgStep.EncryptCreate)
        {
            InputPath = input.Target.Path ?? throw new StorageException(
                ErrorCode.InvalidArg, "invalid argument: missing input volume target path");
        }
        var inputFormat = input.Target.Format ?? "none";
        if (input.Type == VolumeType.Block || inputFormat == "iso")
        {
            inputFormat = "raw";
        }
        InputFormat = inputFormat;
    }

    // storageBackendCreateQemuImgSetBacking, without the access(2) check.
    private void SetBacking(VolumeBackingStore backing, VolumeDefinition? input)
    {
        if (Format == "raw")
        {
            throw QemuImgCommandBuilder.Unsupported("cannot set backing store for raw volume");
        }
        BackingFormat = backing.Format ?? "none";
        BackingPath = backing.Path;
        if (Preallocate)
        {
            throw QemuImgCommandBuilder.Unsupported("metadata preallocation conflicts with backing store");
        }
        if (input?.BackingStore is { } inputBacking && inputBacking.Path != BackingPath)
        {
            throw QemuImgCommandBuilder.Internal("a different backing store cannot be specified.");
        }
    }

    // storageBackendCreateQemuImgCheckEncryption.
    private static void CheckEncryption(string format, string type, StorageEncryption enc)
    {
        if (format is not ("raw" or "qcow2"))
        {
            throw QemuImgCommandBuilder.Unsupported($"volume encryption unsupported with format {type}");
        }
        if (enc.Format != EncryptionFormat.Luks)
        {
            throw QemuImgCommandBuilder.Unsupported(
                $"unsupported volume encryption format {enc.Format.ToString().ToLowerInvariant()}");
        }
        if (enc.Secrets.Count > 1)
        {
            throw QemuImgCommandBuilder.Xml("too many secrets for luks encryption");
        }
        if (enc.Secrets.Count == 0)
        {
            throw QemuImgCommandBuilder.Xml("no secret provided for luks encryption");
        }
    }

    private static ulong DivUp(ulong bytes) => bytes / 1024 + (bytes % 1024 == 0 ? 0UL : 1UL);
}
