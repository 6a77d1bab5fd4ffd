using System.Globalization;
using StorageFs.Core;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Builds qemu-img argument lists (without the program name) exactly as libvirt does, so
/// they match libvirt's tests/storagevolxml2argvdata/*.argv
/// (virStorageBackendCreateQemuImgCmdFromVol, storageBackendCreateQemuImgOpts and
/// storageBackendResizeQemuImg in src/storage/storage_util.c): "-o" options in the order
/// backing_fmt, preallocation, nocow, compat, cluster_size, lazy_refcounts, extended_l2;
/// sizes for create in KiB rounded up ("5242880K"), for resize in bytes rounded up to 512.
/// The iso format is written as raw. Refusals use libvirt's messages.
/// </summary>
public static class QemuImgArguments
{
    public static IReadOnlyList<string> Create(
        string format,
        string path,
        ulong capacityBytes,
        QemuImgImageOptions options,
        string? backingPath = null,
        string? backingFormat = null)
    {
        format = format == "iso" ? "raw" : format;
        Check(format, options);
        if (backingPath is not null)
        {
            if (format == "raw")
            {
                throw Unsupported("cannot set backing store for raw volume");
            }

            if (options.Preallocation != QemuImgPreallocation.None)
            {
                throw Unsupported("metadata preallocation conflicts with backing store");
            }
        }

        var args = new List<string> { "create", "-f", format };
        if (backingPath is not null)
        {
            args.AddRange(["-b", backingPath]);
        }

        AddOptions(args, format, options, backingPath is null ? null : backingFormat ?? "raw");
        args.Add(path);
        ulong kib = (capacityBytes + 1023) / 1024;
        if (kib != 0 || backingPath is null)
        {
            args.Add(kib.ToString(CultureInfo.InvariantCulture) + "K");
        }

        return args;
    }

    /// <summary>
    /// `convert -f IN -O OUT [-o …] SRC DST`; with <paramref name="progress"/> a "-p" follows
    /// "convert" (libvirt never asks for progress, so its argv files have none).
    /// </summary>
    public static IReadOnlyList<string> Convert(
        string inputFormat,
        string inputPath,
        string outputFormat,
        string outputPath,
        QemuImgImageOptions options,
        bool progress = false)
    {
        inputFormat = inputFormat == "iso" ? "raw" : inputFormat;
        outputFormat = outputFormat == "iso" ? "raw" : outputFormat;
        Check(outputFormat, options);
        var args = new List<string> { "convert" };
        if (progress)
        {
            args.Add("-p");
        }

        args.AddRange(["-f", inputFormat, "-O", outputFormat]);
        AddOptions(args, outputFormat, options, null);
        args.AddRange([inputPath, outputPath]);
        return args;
    }

    /// <summary>
    /// `resize [--shrink] PATH BYTES`, BYTES rounded up to 512 because qemu-img refuses other
    /// sizes. libvirt passes no "-f" (qemu-img probes); a <paramref name="format"/> adds one.
    /// </summary>
    public static IReadOnlyList<string> Resize(string path, ulong capacityBytes, bool shrink, string? format = null)
    {
        var args = new List<string> { "resize" };
        if (format is not null)
        {
            args.AddRange(["-f", format]);
        }

        if (shrink)
        {
            args.Add("--shrink");
        }

        args.Add(path);
        args.Add(((capacityBytes + 511) / 512 * 512).ToString(CultureInfo.InvariantCulture));
        return args;
    }

    public static IReadOnlyList<string> Info(string path, string? format = null) =>
        format is null ? ["info", "--output=json", path] : ["info", "--output=json", "-f", format, path];

    public static IReadOnlyList<string> CheckImage(string path, string? format = null) =>
        format is null ? ["check", "--output=json", path] : ["check", "--output=json", "-f", format, path];

    private static void Check(string format, QemuImgImageOptions options)
    {
        if (options.Preallocation != QemuImgPreallocation.None && format != "qcow2")
        {
            throw Unsupported("metadata preallocation only available with qcow2");
        }

        if (options.Compat is not null && format != "qcow2")
        {
            throw Unsupported("compatibility option only available with qcow2");
        }

        if ((options.LazyRefcounts || options.ExtendedL2) && format != "qcow2")
        {
            throw Unsupported("format features only available with qcow2");
        }

        if (options.LazyRefcounts && options.Compat == "0.10")
        {
            throw Unsupported("lazy_refcounts not supported with compat level 0.10");
        }

        if (options.ExtendedL2 && options.Compat == "0.10")
        {
            throw Unsupported("'extended_l2' not supported with compat level 0.10");
        }
    }

    private static void AddOptions(List<string> args, string format, QemuImgImageOptions options, string? backingFormat)
    {
        var o = new List<string>();
        if (backingFormat is not null)
        {
            o.Add("backing_fmt=" + backingFormat);
        }

        if (options.Preallocation != QemuImgPreallocation.None)
        {
            o.Add(options.Preallocation == QemuImgPreallocation.Metadata ? "preallocation=metadata" : "preallocation=falloc");
        }

        if (options.NoCow)
        {
            o.Add("nocow=on");
        }

        if (options.Compat is not null)
        {
            o.Add("compat=" + options.Compat);
        }
        else if (format == "qcow2")
        {
            o.Add("compat=0.10");
        }

        if (options.ClusterSize is > 0)
        {
            o.Add("cluster_size=" + options.ClusterSize.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (options.LazyRefcounts)
        {
            o.Add("lazy_refcounts");
        }

        if (options.ExtendedL2)
        {
            o.Add("extended_l2=on");
        }

        if (o.Count > 0)
        {
            args.AddRange(["-o", string.Join(',', o)]);
        }
    }

    private static StorageException Unsupported(string message) => new(ErrorCode.ConfigUnsupported, message);
}
