using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Serilog;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Persistence;
using StorageFs.Core.Xml;

namespace StorageFs.Core.Secrets;

/// <summary>
/// The secret store, after libvirt's secret driver (src/secret/secret_driver.c over
/// src/conf/virsecretobj.c): define (and redefine by UUID), undefine, set a value, list, and
/// the values for backends (<see cref="ISecretStore"/>). Duplicate rules are libvirt's
/// (<c>virSecretObjListAdd</c>): a UUID already defined may be redefined only with the same
/// usage id and without dropping <c>private='yes'</c>; a new UUID may not take a usage (type
/// and id) another secret has. Persistent secrets and their values are kept by
/// <see cref="SecretFiles"/> when a directory is given; ephemeral ones, and everything when
/// none is, live in memory only. A refused call changes nothing, in memory or on disk.
/// Values are never given out except through <see cref="ISecretStore"/>, and are cleared
/// from memory when replaced or undefined. One lock guards the map and the files; events are
/// raised after it is released. Thread-safe.
/// </summary>
public sealed class SecretDriver : ISecretStore
{
    /// <summary>The largest value accepted, in bytes.</summary>
    public const int MaxValueBytes = 65536;

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Entry> _secrets = [];
    private readonly SecretFiles? _files;
    private readonly ILogger _log;

    /// <summary>A store kept in <paramref name="directory"/> (created mode 0700; its secrets
    /// loaded), or in memory only when it is null.</summary>
    public SecretDriver(string? directory = null, ILogger? logger = null)
    {
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<SecretDriver>();
        if (directory is null)
        {
            return;
        }
        _files = new SecretFiles(directory, _log);
        foreach (var (def, value) in _files.Load())
        {
            if (Conflict(def) is { } reason)
            {
                _log.Error("Skipping stored secret {Uuid}: {Reason}", def.Uuid, reason);
                continue;
            }
            _secrets[def.Uuid] = new Entry(def) { Value = value };
        }
        if (_secrets.Count > 0)
        {
            _log.Information("Loaded {Count} secrets from {Directory}", _secrets.Count, _files.Directory);
        }
    }

    /// <summary>Raised after every change, with no lock held.</summary>
    public event EventHandler<SecretEventArgs>? Changed;

    /// <summary>The directory secrets are kept in, or null in memory only.</summary>
    public string? Directory => _files?.Directory;

    /// <summary>Every secret, sorted by UUID (<c>virsh secret-list</c>).</summary>
    public IReadOnlyList<SecretDefinition> List()
    {
        lock (_gate)
        {
            return [.. _secrets.Values.Select(e => e.Definition).OrderBy(d => LibvirtText.FormatUuid(d.Uuid), StringComparer.Ordinal)];
        }
    }

    /// <summary>The secret with this UUID, or null.</summary>
    public SecretDefinition? Find(Guid uuid)
    {
        lock (_gate)
        {
            return _secrets.TryGetValue(uuid, out var e) ? e.Definition : null;
        }
    }

    /// <summary>Whether the secret has a value; false when it does not exist.</summary>
    public bool HasValue(Guid uuid)
    {
        lock (_gate)
        {
            return _secrets.TryGetValue(uuid, out var e) && e.Value is not null;
        }
    }

    /// <summary><c>virsh secret-dumpxml</c>.</summary>
    /// <exception cref="StorageException">NoSecret.</exception>
    public string GetXml(Guid uuid) => SecretDefinitionXml.Format(Find(uuid) ?? throw NotFound(uuid));

    /// <summary>
    /// <c>virsh secret-define</c>: a new secret, or a redefinition of the one with the same
    /// UUID (its value kept). Written to disk before it is visible, unless ephemeral.
    /// </summary>
    /// <exception cref="StorageException">XmlError (bad document), SecretExists (UUID or usage
    /// taken as libvirt refuses it), OperationFailed (the files could not be written; nothing
    /// changed).</exception>
    public SecretDefinition Define(string xml)
    {
        var def = SecretDefinitionXml.Parse(xml);
        lock (_gate)
        {
            if (Conflict(def) is { } reason)
            {
                throw new StorageException(ErrorCode.SecretExists, reason);
            }
            _secrets.TryGetValue(def.Uuid, out var old);
            if (_files is not null)
            {
                Persist(def, old);
            }
            if (old is null)
            {
                _secrets[def.Uuid] = new Entry(def);
            }
            else
            {
                old.Definition = def;
            }
        }
        _log.Information("Secret {Uuid} defined ({Usage})", def.Uuid, def.UsageText);
        Changed?.Invoke(this, new SecretEventArgs(def.Uuid, SecretEventKind.Defined));
        return def;
    }

    /// <summary><c>virsh secret-undefine</c>: the definition and its value go, from disk too.</summary>
    /// <exception cref="StorageException">NoSecret.</exception>
    public void Undefine(Guid uuid)
    {
        lock (_gate)
        {
            if (!_secrets.TryGetValue(uuid, out var entry))
            {
                throw NotFound(uuid);
            }
            if (_files is not null && !entry.Definition.Ephemeral)
            {
                // The definition first: a crash between the two leaves a value without a
                // definition, which the next load removes.
                _files.DeleteDefinition(uuid);
                _files.DeleteValue(uuid);
            }
            _secrets.Remove(uuid);
            entry.Clear();
        }
        _log.Information("Secret {Uuid} undefined", uuid);
        Changed?.Invoke(this, new SecretEventArgs(uuid, SecretEventKind.Undefined));
    }

    /// <summary><c>virsh secret-set-value</c>: replaces the value, on disk first unless ephemeral.</summary>
    /// <exception cref="StorageException">NoSecret; InvalidArg (over <see cref="MaxValueBytes"/>);
    /// OperationFailed (not written; the old value stays).</exception>
    public void SetValue(Guid uuid, ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxValueBytes)
        {
            throw StorageErrors.InvalidArg($"a secret value is at most {MaxValueBytes} bytes, not {value.Length}");
        }
        lock (_gate)
        {
            if (!_secrets.TryGetValue(uuid, out var entry))
            {
                throw NotFound(uuid);
            }
            if (_files is not null && !entry.Definition.Ephemeral)
            {
                _files.SaveValue(uuid, value);
            }
            entry.Clear();
            entry.Value = value.ToArray();
        }
        _log.Information("Secret {Uuid}: value set", uuid);
        Changed?.Invoke(this, new SecretEventArgs(uuid, SecretEventKind.ValueChanged));
    }

    /// <inheritdoc/>
    public bool TryGetValue(SecretLookup secret, SecretUsageType usage, [NotNullWhen(true)] out byte[]? value)
    {
        lock (_gate)
        {
            value = Match(secret, usage)?.Value?.ToArray();
            return value is not null;
        }
    }

    /// <inheritdoc/>
    public byte[] GetValue(SecretLookup secret, SecretUsageType usage)
    {
        ArgumentNullException.ThrowIfNull(secret);
        lock (_gate)
        {
            var entry = Match(secret, usage) ?? throw (secret.Uuid is { } uuid
                ? NotFound(uuid)
                : StorageErrors.NoSecret($"no secret with matching usage '{secret.Usage}'"));
            return entry.Value?.ToArray() ?? throw StorageErrors.NoSecret(
                $"secret '{LibvirtText.FormatUuid(entry.Definition.Uuid)}' does not have a value");
        }
    }

    // virSecretGetSecretString: by UUID any secret, refusing one of another usage type (none
    // passes); by usage the secret of that type and id.
    private Entry? Match(SecretLookup secret, SecretUsageType usage)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Uuid is { } uuid)
        {
            if (!_secrets.TryGetValue(uuid, out var entry))
            {
                return null;
            }
            var type = entry.Definition.UsageType;
            return type == SecretUsageType.None || type == usage ? entry : throw StorageErrors.InvalidArg(
                $"secret with uuid {LibvirtText.FormatUuid(uuid)} is of type '{type.ToXml()}' not expected '{usage.ToXml()}' type");
        }
        return _secrets.Values.FirstOrDefault(e => e.Definition.UsageType == usage && usage != SecretUsageType.None &&
                                                   e.Definition.UsageId == secret.Usage);
    }

    // virSecretObjListAdd's refusals, or null when def may be added.
    private string? Conflict(SecretDefinition def)
    {
        var uuid = LibvirtText.FormatUuid(def.Uuid);
        if (_secrets.TryGetValue(def.Uuid, out var old))
        {
            if (old.Definition.UsageId != def.UsageId)
            {
                return $"a secret with UUID {uuid} is already defined for use with {old.Definition.UsageId}";
            }
            return old.Definition.Private && !def.Private ? "cannot change private flag on existing secret" : null;
        }
        if (def.UsageType == SecretUsageType.None)
        {
            return null;
        }
        var other = _secrets.Values.FirstOrDefault(e => e.Definition.UsageType == def.UsageType && e.Definition.UsageId == def.UsageId);
        return other is null ? null
            : $"a secret with UUID {LibvirtText.FormatUuid(other.Definition.Uuid)} already defined for use with {def.UsageId}";
    }

    // secretDefineXML: a persistent definition is written (with the value it keeps when it
    // was ephemeral); one turning ephemeral has its files removed. On failure the files hold
    // what they held.
    private void Persist(SecretDefinition def, Entry? old)
    {
        var files = _files!;
        if (!def.Ephemeral)
        {
            bool valueWritten = false;
            try
            {
                if (old is { Definition.Ephemeral: true, Value: { } value })
                {
                    files.SaveValue(def.Uuid, value);
                    valueWritten = true;
                }
                files.SaveDefinition(def);
            }
            catch when (valueWritten)
            {
                files.DeleteValue(def.Uuid);
                throw;
            }
        }
        else if (old is { Definition.Ephemeral: false })
        {
            files.DeleteDefinition(def.Uuid);
            files.DeleteValue(def.Uuid);
        }
    }

    private static StorageException NotFound(Guid uuid) =>
        StorageErrors.NoSecret($"no secret with matching uuid '{LibvirtText.FormatUuid(uuid)}'");

    private sealed class Entry(SecretDefinition definition)
    {
        public SecretDefinition Definition { get; set; } = definition;

        public byte[]? Value { get; set; }

        public void Clear()
        {
            if (Value is not null)
            {
                CryptographicOperations.ZeroMemory(Value);
                Value = null;
            }
        }
    }
}
