using System.Text;
using Serilog;
using StorageFs.Core.Secrets;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Persistence;

/// <summary>
/// Secrets at rest, as libvirt's secret driver keeps them (/etc/libvirt/secrets): in one
/// directory of mode 0700, <c>UUID.xml</c> (the definition) and <c>UUID.base64</c> (the value,
/// base64), each of mode 0600, written atomically (<see cref="DurableFile"/>: temp file, fsync,
/// rename, directory fsync). Ephemeral secrets never reach it. <see cref="Load"/> removes temp
/// files a crash left and values without a definition (an undefine interrupted between its two
/// removals), and skips, with a logged error, a definition that does not parse or whose UUID
/// is not its file name. Called under the owning <see cref="SecretDriver"/>'s lock.
/// </summary>
internal sealed class SecretFiles
{
    private const string XmlSuffix = ".xml";
    private const string ValueSuffix = ".base64";
    private readonly string _dir;
    private readonly ILogger _log;

    public SecretFiles(string directory, ILogger log)
    {
        _dir = Path.GetFullPath(directory);
        _log = log;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }
        DurableFile.CreatePrivateDirectory(_dir);
        // A directory made looser by hand is made private again: it holds every value.
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Directory => _dir;

    /// <summary>Every stored secret with its value (null when it has none).</summary>
    public List<(SecretDefinition Definition, byte[]? Value)> Load()
    {
        var result = new List<(SecretDefinition, byte[]?)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(_dir))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith(DurableFile.TempPrefix, StringComparison.Ordinal))
            {
                DurableFile.Delete(path);
                continue;
            }
            if (name.EndsWith(ValueSuffix, StringComparison.Ordinal) &&
                !File.Exists(Path.Combine(_dir, name[..^ValueSuffix.Length] + XmlSuffix)))
            {
                _log.Warning("Removing secret value {File} left without its definition", path);
                DurableFile.Delete(path);
                continue;
            }
            if (!name.EndsWith(XmlSuffix, StringComparison.Ordinal))
            {
                continue;
            }
            SecretDefinition def;
            try
            {
                def = SecretDefinitionXml.Parse(File.ReadAllText(path));
            }
            catch (StorageException e)
            {
                _log.Error("Skipping secret definition {File}: {Reason}", path, e.Message);
                continue;
            }
            if (LibvirtText.FormatUuid(def.Uuid) + XmlSuffix != name)
            {
                _log.Error("Skipping secret definition {File}: its UUID {Uuid} is not its file name", path, def.Uuid);
                continue;
            }
            byte[]? value = null;
            var valuePath = Path.Combine(_dir, LibvirtText.FormatUuid(def.Uuid) + ValueSuffix);
            if (File.Exists(valuePath))
            {
                try
                {
                    value = Convert.FromBase64String(File.ReadAllText(valuePath).Trim());
                }
                catch (FormatException)
                {
                    _log.Error("Secret {Uuid}: its value file {File} is not base64; the secret has no value", def.Uuid, valuePath);
                }
            }
            result.Add((def with { Ephemeral = false }, value));
        }
        return result;
    }

    public void SaveDefinition(SecretDefinition def) =>
        DurableFile.Replace(_dir, LibvirtText.FormatUuid(def.Uuid) + XmlSuffix, Encoding.UTF8.GetBytes(SecretDefinitionXml.Format(def)));

    public void SaveValue(Guid uuid, ReadOnlySpan<byte> value)
    {
        var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(value));
        try
        {
            DurableFile.Replace(_dir, LibvirtText.FormatUuid(uuid) + ValueSuffix, text);
        }
        finally
        {
            Array.Clear(text);
        }
    }

    public void DeleteDefinition(Guid uuid) => DurableFile.Delete(Path.Combine(_dir, LibvirtText.FormatUuid(uuid) + XmlSuffix));

    public void DeleteValue(Guid uuid) => DurableFile.Delete(Path.Combine(_dir, LibvirtText.FormatUuid(uuid) + ValueSuffix));
}
