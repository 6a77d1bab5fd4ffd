using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Backends.HostTools;

namespace StorageFs.Backends.Devices;

/// <summary>CHAP user and password of an iSCSI pool, the password from the secret store.</summary>
/// <param name="User">CHAP user name.</param>
/// <param name="Password">CHAP secret.</param>
public sealed record IscsiCredentials(string User, string Password)
{
    /// <summary>The pool's credentials, or null without &lt;auth&gt;.</summary>
    /// <exception cref="StorageException">Not CHAP ("iscsi pool only supports 'chap' auth
    /// type"), or the secret is unknown.</exception>
    public static IscsiCredentials? For(PoolDefinition pool, ISecretStore secrets)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(secrets);
        if (pool.Source.Auth is not { } auth)
        {
            return null;
        }
        if (auth.Type != AuthType.Chap)
        {
            throw StorageErrors.ConfigUnsupported($"{pool.Type.ToXml()} pool only supports 'chap' auth type");
        }
        var value = secrets.Find(auth.Secret) ?? throw new StorageException(ErrorCode.InvalidArg,
            auth.Secret.Uuid is { } uuid
                ? $"Secret not found: no secret with matching uuid '{uuid:D}'"
                : $"Secret not found: no secret with matching usage '{auth.Secret.Usage}'");
        return new IscsiCredentials(auth.Username, value);
    }

    /// <summary>The environment that hands the password to libiscsi's tools
    /// (LIBISCSI_CHAP_PASSWORD; the URL then names only the user).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["LIBISCSI_CHAP_PASSWORD"] = Password,
    };
}
