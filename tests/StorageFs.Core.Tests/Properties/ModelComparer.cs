using System.Collections;
using System.Reflection;

namespace StorageFs.Core.Tests.Properties;

/// <summary>
/// Deep structural comparison of model objects by their public readable properties, for
/// checking that parse(format(def)) gives back def. Returns the path of the first difference.
/// </summary>
internal static class ModelComparer
{
    // Computed or derived on parse, not data.
    private static readonly HashSet<string> Ignored = ["TypeInfo", "IsEmpty", "HasAllocation"];

    public static string? FirstDifference(object? expected, object? actual, string path = "")
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        }
        var type = expected.GetType();
        if (type != actual.GetType())
        {
            return $"{path}: type {type.Name} vs {actual.GetType().Name}";
        }
        if (type.IsPrimitive || type.IsEnum || expected is string or Guid or decimal ||
            (type.IsValueType && type.Namespace == typeof(PoolType).Namespace) ||
            (type.IsClass && type.GetMethod("<Clone>$") is not null))
        {
            return Equals(expected, actual) ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        }
        if (expected is IList list)
        {
            var other = (IList)actual;
            if (list.Count != other.Count)
            {
                return $"{path}: {list.Count} items vs {other.Count}";
            }
            for (int i = 0; i < list.Count; i++)
            {
                var d = FirstDifference(list[i], other[i], $"{path}[{i}]");
                if (d is not null)
                {
                    return d;
                }
            }
            return null;
        }
        if (Nullable.GetUnderlyingType(type) is not null || type.IsValueType)
        {
            return Equals(expected, actual) ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (Ignored.Contains(property.Name) || property.GetIndexParameters().Length > 0)
            {
                continue;
            }
            var d = FirstDifference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            if (d is not null)
            {
                return d;
            }
        }
        return null;
    }

    private static string Show(object? value) => value is null ? "null" : $"'{value}'";
}
