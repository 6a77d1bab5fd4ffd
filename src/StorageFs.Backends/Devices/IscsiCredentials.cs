using System.Text;
using StorageFs.Core;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;
using StorageFs.Core.Secrets;
using StorageFs.Interop;

namespace StorageFs.Backends.Devices;

/// <summary>CHAP user and password of an iSCSI pool, the password from the secret store.</summary>
/// <param name="User">CHAP user name.</param>
/// <param name="Password">CHAP secret.</param>
public sealed record IscsiCredentials(string User, string Password)
{
    /// <summary>The pool's credentials, or null without &lt;auth&gt;. The password is the
    /// secret's value up to its first NUL byte, as UTF-8 (libvirt's
    /// <c>virStorageBackendISCSISetAuth</c> takes it with <c>g_strndup</c>).</summary>
    /// <exception cref="StorageException">Not CHAP ("iscsi pool only supports 'chap' auth
    /// type"); NoSecret (ENOKEY) when the secret is not defined or has no value; InvalidArg
    /// when it is not an iscsi (or usage-less) secret.</exception>
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
        var value = secrets.GetValue(auth.Secret, SecretUsageType.Iscsi);
        try
        {
            int end = Array.IndexOf(value, (byte)0);
            return new IscsiCredentials(auth.Username, Encoding.UTF8.GetString(value, 0, end < 0 ? value.Length : end));
        }
        finally
        {
            Array.Clear(value);
        }
    }

    /// <summary>The environment that hands the password to libiscsi's tools
    /// (LIBISCSI_CHAP_PASSWORD; the URL then names only the user).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["LIBISCSI_CHAP_PASSWORD"] = Password,
    };

    /// <summary>Whether a login failed on the credentials: libiscsi's text for login status
    /// 0x0201 (<c>iscsi_login_error_str</c>, lib/login.c), as its tools and its API report it.</summary>
    public static bool IsAuthenticationFailure(string output) =>
        output.Contains("Authentication failure", StringComparison.Ordinal);

    /// <summary>The error for a target that refused these credentials: EKEYREJECTED ("Key was
    /// rejected by service"), naming the user and the secret, never the password.</summary>
    public StorageException Rejected(PoolDefinition pool, string target, string portal, string detail)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var secret = pool.Source.Auth!.Secret;
        string which = secret.Uuid is { } uuid ? $"uuid '{uuid:D}'" : $"usage '{secret.Usage}'";
        return new StorageException(ErrorCode.OperationFailed,
            $"iSCSI target '{target}' at {portal} refused the CHAP login of user '{User}': check the value of the secret with {which}; {detail}",
            (int)Errno.EKEYREJECTED);
    }

    /// <summary>Never shows the password (a record's generated text would).</summary>
    public override string ToString() => $"IscsiCredentials {{ User = {User} }}";
}
