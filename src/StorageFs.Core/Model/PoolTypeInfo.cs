namespace StorageFs.Core.Model;

/// <summary>
/// The per-type XML rules of one pool type, as data: one row of libvirt's
/// <c>poolTypeInfo[]</c> (src/conf/storage_conf.c). Format lists are in libvirt's enum order;
/// an empty <see cref="SourceFormats"/> means the type has no <c>&lt;source&gt;&lt;format&gt;</c>,
/// a null <see cref="VolumeFormats"/> means its volumes have no <c>&lt;format&gt;</c>.
/// </summary>
/// <param name="Type">The pool type.</param>
/// <param name="XmlName">Its spelling in <c>&lt;pool type='…'&gt;</c>.</param>
/// <param name="Parts">Source parts the type uses (and, by libvirt's rules, requires).</param>
/// <param name="SourceFormats">Accepted <c>&lt;source&gt;&lt;format type&gt;</c> values.</param>
/// <param name="DefaultSourceFormat">Format assumed when none is given.</param>
/// <param name="VolumeFormats">Accepted volume <c>&lt;target&gt;&lt;format type&gt;</c> values.</param>
/// <param name="DefaultVolumeFormat">Volume format assumed when none is given.</param>
/// <param name="Namespace">Backend namespace the type accepts.</param>
public sealed record PoolTypeInfo(
    PoolType Type,
    string XmlName,
    PoolSourceParts Parts,
    IReadOnlyList<string> SourceFormats,
    string? DefaultSourceFormat,
    IReadOnlyList<string>? VolumeFormats,
    string? DefaultVolumeFormat,
    PoolNamespace Namespace)
{
    /// <summary>True when the pool has a local <c>&lt;target&gt;</c> (not a network pool).</summary>
    public bool HasTarget => (Parts & PoolSourceParts.Network) == 0;

    /// <summary>True when the type has a <c>&lt;source&gt;&lt;format&gt;</c> element.</summary>
    public bool HasSourceFormat => SourceFormats.Count > 0;

    /// <summary>True when the pool's volumes have a <c>&lt;target&gt;&lt;format&gt;</c> element.</summary>
    public bool HasVolumeFormat => VolumeFormats is not null;

    /// <summary>True when the pool has a local target directory whose files are its volumes
    /// (its volumes take file formats): dir, fs, netfs, vstorage.</summary>
    public bool TargetHoldsFiles => HasTarget && VolumeFormats is { } formats && formats.SequenceEqual(StorageFormats.FileInput);
}
