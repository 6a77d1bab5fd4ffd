using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace StorageFs.Logging;

/// <summary>
/// A Serilog sink speaking journald's native protocol (systemd.journal-fields(7),
/// "Native Journal Protocol" in systemd's docs): one datagram per event to
/// /run/systemd/journal/socket, holding MESSAGE (plain: string values unquoted), PRIORITY,
/// SYSLOG_IDENTIFIER, the exception, and every property of the template as an upper-case
/// field (Pool → POOL, Volume → VOLUME, Operation → OPERATION, Errno → ERRNO, Job → JOB).
/// Values containing a newline use the binary form (name, '\n', 64-bit little-endian length,
/// value, '\n'). An entry too large for a datagram is sent the way sd_journal_send does: written
/// to a memfd, sealed, and the descriptor passed alone with SCM_RIGHTS.
/// </summary>
public sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocket = "/run/systemd/journal/socket";
    private const int MaxDatagram = 200 * 1024;
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly string _identifier;
    private readonly Lock _gate = new();

    public JournaldSink(string identifier, string socketPath = DefaultSocket)
    {
        _identifier = identifier;
        _endpoint = new UnixDomainSocketEndPoint(socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>True when a journald socket is there to log to.</summary>
    public static bool Available(string socketPath = DefaultSocket) => File.Exists(socketPath);

    public void Emit(LogEvent logEvent)
    {
        var buf = new MemoryStream(512);
        Field(buf, "MESSAGE", PlainMessage(logEvent));
        Field(buf, "PRIORITY", Priority(logEvent.Level).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(buf, "SYSLOG_IDENTIFIER", _identifier);
        if (logEvent.Exception is not null)
            Field(buf, "EXCEPTION", logEvent.Exception.ToString());
        foreach (var (name, value) in logEvent.Properties)
        {
            string field = FieldName(name);
            if (field.Length > 0 && value is ScalarValue s)
                Field(buf, field, s.Value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : s.Value?.ToString() ?? "");
            else if (field.Length > 0)
                Field(buf, field, value.ToString());
        }
        try
        {
            lock (_gate)
            {
                if (buf.Length <= MaxDatagram)
                {
                    try
                    {
                        _socket.SendTo(buf.GetBuffer().AsSpan(0, (int)buf.Length), SocketFlags.None, _endpoint);
                        return;
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize || e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
                    {
                        // too large for this socket's buffer: the memfd way below
                    }
                }
                JournalMemfd.Send(_socket, _endpoint, buf.GetBuffer().AsSpan(0, (int)buf.Length));
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // journald gone or full: logging must never take the daemon down.
        }
    }

    /// <summary>The message with string values as they are ("storage pool default defined"),
    /// not quoted as Serilog's default rendering does.</summary>
    internal static string PlainMessage(LogEvent e)
    {
        var sb = new StringBuilder();
        foreach (var token in e.MessageTemplate.Tokens)
        {
            if (token is Serilog.Parsing.PropertyToken p && e.Properties.TryGetValue(p.PropertyName, out var value))
            {
                if (value is ScalarValue { Value: string text })
                    sb.Append(text);
                else if (value is ScalarValue { Value: IFormattable f })
                    sb.Append(f.ToString(p.Format, System.Globalization.CultureInfo.InvariantCulture));
                else
                    sb.Append(value.ToString());
            }
            else
            {
                using var w = new StringWriter(sb);
                token.Render(e.Properties, w, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return sb.ToString();
    }

    /// <summary>syslog priorities: 2 crit, 3 err, 4 warning, 6 info, 7 debug.</summary>
    internal static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <summary>Journal field names: A–Z, 0–9 and '_', not starting with '_' or a digit, at most 64 characters.</summary>
    internal static string FieldName(string property)
    {
        var sb = new StringBuilder(property.Length + 4);
        foreach (char c in property)
        {
            if (c is >= 'a' and <= 'z')
                sb.Append(char.ToUpperInvariant(c));
            else if (c is (>= 'A' and <= 'Z') or (>= '0' and <= '9'))
                sb.Append(c);
            else
                sb.Append('_');
        }
        string name = sb.ToString().TrimStart('_');
        if (name.Length > 0 && char.IsDigit(name[0]))
            name = "F" + name;
        if (name is "MESSAGE" or "PRIORITY" or "SYSLOG_IDENTIFIER")
            name = "SFS_" + name;
        return name.Length > 64 ? name[..64] : name;
    }

    internal static void Field(Stream s, string name, string value)
    {
        byte[] n = Encoding.ASCII.GetBytes(name);
        byte[] v = Encoding.UTF8.GetBytes(value);
        s.Write(n);
        if (value.Contains('\n', StringComparison.Ordinal))
        {
            s.WriteByte((byte)'\n');
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)v.Length);
            s.Write(len);
        }
        else
        {
            s.WriteByte((byte)'=');
        }
        s.Write(v);
        s.WriteByte((byte)'\n');
    }

    public void Dispose() => _socket.Dispose();
}
