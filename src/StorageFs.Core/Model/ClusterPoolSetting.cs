namespace StorageFs.Core.Model;

/// <summary>
/// A pool's <c>&lt;storagefs:cluster/&gt;</c> element (namespace <c>urn:storagefs:cluster:1.0</c>,
/// in the style of libvirt's pool namespaces): the pool is cluster-wide, kept in the cluster
/// store and defined on every host of the cluster (docs/CLUSTER.md).
/// </summary>
/// <param name="Autostart">Every host starts the pool when it learns of it and at each start
/// (<c>autostart='yes'</c>); otherwise each host starts it by hand.</param>
public sealed record ClusterPoolSetting(bool Autostart);
