using System.Globalization;
using System.Text.Json;
using StorageFs.Core.Backend;

namespace StorageFs.Backends.Logical;

/// <summary>
/// Parses LVM's <c>--reportformat json</c> output: <c>{"report":[{"lv":[{…}]}]}</c>, every value
/// a string, sizes in bytes when run with <c>--units b --nosuffix</c>.
/// </summary>
public static class LvmReport
{
    /// <summary>The rows of the report's <paramref name="section"/> ("lv", "vg", "pv").</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Rows(string json, string section)
    {
        ArgumentNullException.ThrowIfNull(json);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var report in doc.RootElement.GetProperty("report").EnumerateArray())
            {
                if (!report.TryGetProperty(section, out var items))
                {
                    continue;
                }
                foreach (var item in items.EnumerateArray())
                {
                    var row = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var field in item.EnumerateObject())
                    {
                        row[field.Name] = field.Value.ValueKind == JsonValueKind.String
                            ? field.Value.GetString() ?? ""
                            : field.Value.GetRawText();
                    }
                    rows.Add(row);
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw StorageErrors.Internal($"cannot parse LVM report: {e.Message}");
        }
        return rows;
    }

    /// <summary>The LV segments of an <c>lvs</c> report.</summary>
    public static IReadOnlyList<LvSegment> Segments(string json) =>
        [.. Rows(json, "lv").Select(r => new LvSegment(
            Get(r, "lv_name"), Get(r, "origin"), Get(r, "lv_uuid"), Get(r, "devices"), Get(r, "segtype"),
            Number(r, "stripes"), Number(r, "seg_size"), Number(r, "vg_extent_size"), Number(r, "lv_size"),
            Get(r, "lv_attr"), Get(r, "lv_path")))];

    /// <summary>The VG of a <c>vgs</c> report, or null when it lists none.</summary>
    public static VgInfo? VolumeGroup(string json) =>
        Rows(json, "vg").Select(r => new VgInfo(Get(r, "vg_name"), Number(r, "vg_size"), Number(r, "vg_free"),
            Number(r, "vg_extent_size"))).FirstOrDefault();

    /// <summary>(PV path, VG name) pairs of a <c>pvs</c> report.</summary>
    public static IReadOnlyList<(string Pv, string Vg)> PhysicalVolumes(string json) =>
        [.. Rows(json, "pv").Select(r => (Get(r, "pv_name"), Get(r, "vg_name")))];

    private static string Get(IReadOnlyDictionary<string, string> row, string key) => row.GetValueOrDefault(key) ?? "";

    private static ulong Number(IReadOnlyDictionary<string, string> row, string key)
    {
        var text = Get(row, key);
        if (text.Length == 0)
        {
            return 0;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw StorageErrors.Internal($"malformed LVM report value {key}='{text}'");
    }
}
