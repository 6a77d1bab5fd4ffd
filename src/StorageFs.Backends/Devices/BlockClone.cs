using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.Files;
using StorageFs.Backends.HostTools;
using StorageFs.Backends.QemuImg;

namespace StorageFs.Backends.Devices;

/// <summary>
/// Fills a block volume (an LV, a partition) from another volume, as libvirt's
/// <c>storageBackendVolBuildFromLocal</c> does for device pools: a raw file or another device is
/// copied natively byte for byte; an image format (qcow2, vmdk…) is converted to raw onto the
/// device with the qemu-img convert argv libvirt builds.
/// </summary>
public static class BlockClone
{
    /// <summary>Copies <paramref name="source"/> of <paramref name="sourcePool"/> onto the device
    /// at <paramref name="target"/>'s path.</summary>
    public static void Into(ICommandRunner runner, VolumeDefinition target, PoolDefinition sourcePool, VolumeDefinition source,
        IOperationProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sourcePool);
        ArgumentNullException.ThrowIfNull(source);
        var device = target.Target.Path ?? throw StorageErrors.Internal($"volume '{target.Name}' has no path");
        var input = SourcePath(sourcePool, source);
        var format = source.Type == VolumeType.Block ? "raw" : source.Target.Format ?? "raw";
        if (format is "raw" or "iso")
        {
            BlockVolumes.CopyRaw(input, device, progress, cancellation);
            return;
        }
        if (format is "dir" or "none" || source.Type is VolumeType.Dir or VolumeType.Ploop)
        {
            throw StorageErrors.ConfigUnsupported($"cannot copy a '{format}' volume onto a block device");
        }
        var output = new VolumeDefinition { Name = target.Name, Type = VolumeType.Block, Capacity = target.Capacity };
        output.Target.Path = device;
        output.Target.Format = "raw";
        output.Allocation = target.Capacity;
        var inputDef = new VolumeDefinition { Name = source.Name, Type = VolumeType.File, Capacity = source.Capacity };
        inputDef.Target.Path = input;
        inputDef.Target.Format = format;
        var argv = QemuImgCommandBuilder.Build(new QemuImgRequest { Volume = output, Input = inputDef }, QemuImgStep.Single);
        progress.SetTotal(source.Capacity);
        runner.RunChecked(argv, cancellation: cancellation);
        progress.Report(source.Capacity);
    }

    private static string SourcePath(PoolDefinition pool, VolumeDefinition source) =>
        pool.TypeInfo.HasVolumeFormat && pool.Target.Path is not null && source.Type != VolumeType.Block
            ? VolumeFiles.DataPath(pool, source, "copied")
            : source.Target.Path ?? throw StorageErrors.Internal($"volume '{source.Name}' has no path");
}
