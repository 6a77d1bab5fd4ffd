namespace StorageFs.Core.Tests.Persistence;

/// <summary>Small definition documents shaped like libvirt's formatter output.</summary>
internal static class TestXml
{
    public static string Pool(string name, Guid uuid, string description = "") =>
        $"""
        <pool type='dir'>
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          <description>{description}</description>
          <source>
          </source>
          <target>
            <path>/srv/{name}</path>
          </target>
        </pool>

        """;

    public static string FsPool(string name, Guid uuid) =>
        $"""
        <fspool type='dir'>
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          <source>
          </source>
          <target>
            <path>/srv/fs/{name}</path>
          </target>
        </fspool>

        """;
}
