using System.Globalization;
using System.Text;
using StorageFs.Core;
using StorageFs.Core.Model;

namespace StorageFs.Backends.QemuImg;

/// <summary>
/// Builds the exact <c>qemu-img create</c>/<c>convert</c> argv libvirt 9.0 builds for a volume
/// (<c>virStorageBackendCreateQemuImgCmdFromVol</c> and its helpers in
/// src/storage/storage_util.c): block targets and iso become raw; raw + LUKS becomes the luks
/// driver; qcow2 gets compat=0.10 unless told otherwise; sizes are KiB rounded up; encrypted
/// clones take two steps (<see cref="Plan"/>). Pure: it reads no files (the caller checks that
/// a backing store is readable) and fails with libvirt's messages.
/// </summary>
public static class QemuImgCommandBuilder
{
    /// <summary>The steps a request needs: two when cloning to or from an encrypted volume.</summary>
    public static IReadOnlyList<QemuImgStep> Plan(QemuImgRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Input is not null &&
               (request.Volume.Target.Encryption is not null || request.Input.Target.Encryption is not null)
            ? [QemuImgStep.EncryptCreate, QemuImgStep.EncryptConvert]
            : [QemuImgStep.Single];
    }

    /// <summary>The argv of every step of <see cref="Plan"/>, in order.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> BuildAll(QemuImgRequest request) =>
        [.. Plan(request).Select(step => Build(request, step))];

    /// <summary>The argv of one step, argv[0] being the tool.</summary>
    /// <exception cref="StorageException">The volume cannot be built this way (libvirt's message).</exception>
    public static IReadOnlyList<string> Build(QemuImgRequest request, QemuImgStep step)
    {
        ArgumentNullException.ThrowIfNull(request);
        var vol = request.Volume;
        var input = request.Input;
        var enc = vol.Target.Encryption;
        var inputEnc = input?.Target.Encryption;

        if (enc is { Format: EncryptionFormat.Qcow or EncryptionFormat.Default } &&
            vol.Target.Format is "qcow" or "qcow2")
        {
            throw Unsupported("creation of qcow2 encrypted image is not supported");
        }
        if (inputEnc is not null && inputEnc.Format != EncryptionFormat.Luks)
        {
            throw Unsupported("encryption format of inputvol must be LUKS");
        }

        var info = QemuImgFacts.From(request, step);
        var argv = new List<string> { request.Tool };
        if (info.InputPath is not null || step == QemuImgStep.EncryptCreate)
        {
            info.BackingPath = null;
        }

        if (info.InputPath is not null && step == QemuImgStep.Single)
        {
            argv.AddRange(["convert", "-f", info.InputFormat!, "-O", info.Type]);
        }
        else if (info.InputPath is not null && step == QemuImgStep.EncryptConvert)
        {
            argv.AddRange(["convert", "--image-opts", "-n", "--target-image-opts"]);
        }
        else
        {
            argv.AddRange(["create", "-f", info.Type]);
        }
        if (info.BackingPath is not null)
        {
            argv.AddRange(["-b", info.BackingPath]);
        }

        string? secretAlias = null;
        if (enc is not null)
        {
            var secretPath = request.SecretPath ?? throw Internal("path to secret data file is required");
            secretAlias = vol.Name + "_encrypt0";
            argv.AddRange(["--object", $"secret,id={secretAlias},file={EscapeComma(secretPath)}"]);
        }
        string? inputAlias = null;
        if (inputEnc is not null && step == QemuImgStep.EncryptConvert)
        {
            var inputSecretPath = request.InputSecretPath
                ?? throw Internal("path to inputvol secret data file is required");
            inputAlias = input!.Name + "_encrypt0";
            argv.AddRange(["--object", $"secret,id={inputAlias},file={EscapeComma(inputSecretPath)}"]);
        }

        if (step != QemuImgStep.EncryptConvert)
        {
            var options = Options(info, enc, secretAlias);
            if (options.Length > 0)
            {
                argv.AddRange(["-o", options]);
            }
            if (info.InputPath is not null)
            {
                argv.Add(info.InputPath);
            }
            argv.Add(info.Path ?? "");
            if (info.InputPath is null && (info.SizeKiB != 0 || info.BackingPath is null))
            {
                argv.Add(info.SizeKiB.ToString(CultureInfo.InvariantCulture) + "K");
            }
            return argv;
        }

        argv.Add(inputEnc is not null
            ? $"driver={info.InputType},file.filename={info.InputPath},{(input!.Target.Format == "qcow2" ? "encrypt." : "")}key-secret={inputAlias}"
            : $"driver={info.InputType ?? "raw"},file.filename={info.InputPath}");
        argv.Add(enc is not null
            ? $"driver={info.Type},file.filename={info.Path},{(vol.Target.Format == "qcow2" ? "encrypt." : "")}key-secret={secretAlias}"
            : $"driver={info.Type},file.filename={info.Path}");
        return argv;
    }

    // storageBackendCreateQemuImgOpts.
    private static string Options(QemuImgFacts info, StorageEncryption? enc, string? secretAlias)
    {
        var sb = new StringBuilder();
        if (info.BackingPath is not null)
        {
            sb.Append("backing_fmt=").Append(info.BackingFormat).Append(',');
        }
        if (enc is not null)
        {
            EncryptionOptions(sb, info.Format, enc, secretAlias!);
        }
        if (info.Preallocate)
        {
            sb.Append(info.SizeKiB > info.AllocationKiB ? "preallocation=metadata," : "preallocation=falloc,");
        }
        if (info.NoCow)
        {
            sb.Append("nocow=on,");
        }
        if (info.Compat is not null)
        {
            sb.Append("compat=").Append(info.Compat).Append(',');
        }
        else if (info.Format == "qcow2")
        {
            sb.Append("compat=0.10,");
        }
        if (info.ClusterSize > 0)
        {
            sb.Append("cluster_size=").Append(info.ClusterSize.ToString(CultureInfo.InvariantCulture)).Append(',');
        }
        if (info.Features is { } features && info.Format == "qcow2")
        {
            if ((features & VolumeFeatures.LazyRefcounts) != 0)
            {
                if (info.Compat == "0.10")
                {
                    throw Unsupported($"lazy_refcounts not supported with compat level {info.Compat}");
                }
                sb.Append("lazy_refcounts,");
            }
            if ((features & VolumeFeatures.ExtendedL2) != 0)
            {
                if (info.Compat == "0.10")
                {
                    throw Unsupported($"'extended_l2' not supported with compat level {info.Compat}");
                }
                sb.Append("extended_l2=on,");
            }
        }
        return sb.ToString().TrimEnd(',');
    }

    // storageBackendBuildQemuImgEncriptionOpts.
    private static void EncryptionOptions(StringBuilder sb, string format, StorageEncryption enc, string alias)
    {
        var prefix = "";
        if (format == "qcow2")
        {
            sb.Append("encrypt.format=luks,");
            prefix = "encrypt.";
        }
        sb.Append(prefix).Append("key-secret=").Append(alias).Append(',');
        if (enc.Cipher is not { } cipher)
        {
            return;
        }
        sb.Append(prefix).Append("cipher-alg=").Append(EscapeComma(cipher.Name))
          .Append('-').Append(cipher.Size.ToString(CultureInfo.InvariantCulture)).Append(',');
        if (cipher.Mode is not null)
        {
            sb.Append(prefix).Append("cipher-mode=").Append(EscapeComma(cipher.Mode)).Append(',');
        }
        if (cipher.Hash is not null)
        {
            sb.Append(prefix).Append("hash-alg=").Append(EscapeComma(cipher.Hash)).Append(',');
        }
        if (enc.Ivgen is not { } ivgen)
        {
            return;
        }
        sb.Append(prefix).Append("ivgen-alg=").Append(EscapeComma(ivgen.Name)).Append(',');
        if (ivgen.Hash is not null)
        {
            sb.Append(prefix).Append("ivgen-hash-alg=").Append(EscapeComma(ivgen.Hash)).Append(',');
        }
    }

    /// <summary>qemu's option syntax doubles commas inside a value (<c>virQEMUBuildBufferEscapeComma</c>).</summary>
    internal static string EscapeComma(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    internal static StorageException Unsupported(string message) =>
        new(ErrorCode.ConfigUnsupported, "unsupported configuration: " + message);

    internal static StorageException Internal(string message) =>
        new(ErrorCode.InternalError, "internal error: " + message);

    internal static StorageException Xml(string message) =>
        new(ErrorCode.XmlError, "XML error: " + message);
}
