using StorageFs.Core.Model;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Everything the qemu-img command of a volume build depends on: the new volume (its
/// <see cref="VolumeDefinition.Type"/> already set by the backend, as libvirt's createVol
/// does: block for logical pools, file for file pools), the optional input volume of a clone,
/// the creation flags, the tool, and the files holding the volumes' LUKS secrets.
/// </summary>
public sealed record QemuImgRequest
{
    /// <summary>The volume to create.</summary>
    public required VolumeDefinition Volume { get; init; }

    /// <summary>The volume to copy from, for a clone.</summary>
    public VolumeDefinition? Input { get; init; }

    /// <summary>Creation flags.</summary>
    public QemuImgCreateFlags Flags { get; init; }

    /// <summary>Program to run, argv[0].</summary>
    public string Tool { get; init; } = "qemu-img";

    /// <summary>File holding the new volume's secret, required when it is encrypted.</summary>
    public string? SecretPath { get; init; }

    /// <summary>File holding the input volume's secret, required when it is encrypted.</summary>
    public string? InputSecretPath { get; init; }
}
