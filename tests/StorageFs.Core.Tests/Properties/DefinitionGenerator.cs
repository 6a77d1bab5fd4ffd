using System.Text;

namespace StorageFs.Core.Tests.Properties;

/// <summary>
/// Generates random, valid pool, volume, fspool and item definitions from a fixed seed.
/// With <c>refreshData: false</c> every field is one the parser reads back, so formatting is a
/// fixed point; with <c>true</c> the output-only fields a refresh fills (sizes, extents,
/// timestamps, physical, nocow) are set as well.
/// </summary>
internal sealed class DefinitionGenerator(int seed)
{
    // Characters that need escaping, non-ASCII, spaces; no control characters (XML would
    // normalise them) and no '/' (names) — paths get their own generator.
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+= <>&\"'éß中😀";

    private readonly Random _r = new(seed);

    public PoolDefinition Pool(PoolType type, bool refreshData)
    {
        var info = PoolTypes.Get(type);
        var def = new PoolDefinition { Type = type, Name = Text(), Uuid = Uuid() };
        if (type is PoolType.Dir or PoolType.Fs)
        {
            def.Cow = (TristateBool)_r.Next(3);
        }
        var src = def.Source;
        var parts = info.Parts;
        if ((parts & PoolSourceParts.Host) != 0)
        {
            for (int i = _r.Next(1, 4); i > 0; i--)
            {
                src.Hosts.Add(new PoolSourceHost { Name = Text(), Port = Chance(2) ? 0 : _r.Next(1, 65536) });
            }
        }
        if ((parts & PoolSourceParts.Device) != 0)
        {
            int min = parts == PoolSourceParts.Device ? 1 : 0;
            for (int i = _r.Next(min, 4); i > 0; i--)
            {
                var device = new PoolSourceDevice { Path = Text(), PartSeparator = (TristateBool)_r.Next(3) };
                if (refreshData)
                {
                    for (int j = _r.Next(3); j > 0; j--)
                    {
                        device.FreeExtents.Add(new FreeExtent(U64(), U64()));
                    }
                }
                src.Devices.Add(device);
            }
        }
        if ((parts & PoolSourceParts.Dir) != 0)
        {
            src.Dir = Chance(4) ? Text() : Path();
        }
        if ((parts & PoolSourceParts.Adapter) != 0)
        {
            src.Adapter = Adapter();
        }
        if ((parts & PoolSourceParts.Name) != 0)
        {
            src.Name = Text();
        }
        if ((parts & PoolSourceParts.InitiatorIqn) != 0 && (type == PoolType.IscsiDirect || Chance(2)))
        {
            src.InitiatorIqn = Text();
        }
        if (info.HasSourceFormat)
        {
            src.Format = Pick(info.SourceFormats);
        }
        if (type is PoolType.Iscsi or PoolType.IscsiDirect or PoolType.Rbd && Chance(2))
        {
            src.Auth = new StorageAuth
            {
                Type = Chance(2) ? AuthType.Chap : AuthType.Ceph,
                Username = Text(),
                SecretType = Chance(2) ? null : Text(),
                Secret = Lookup(),
            };
        }
        if (type == PoolType.NetFs && src.Format is "auto" or "nfs" && Chance(2))
        {
            src.ProtocolVersion = Pick(["3", "4", "4.1", "4.2"]);
        }
        src.Vendor = Maybe(Text);
        src.Product = Maybe(Text);

        if (info.HasTarget)
        {
            def.Target.Path = type switch
            {
                PoolType.Logical => "/dev/" + src.Name,
                PoolType.Zfs => "/dev/zvol/" + src.Name,
                _ => Path(),
            };
            def.Target.Permissions = Permissions();
        }
        if (Chance(5))
        {
            def.RefreshVolumeAllocation = (PoolRefreshAllocation)_r.Next(2);
        }
        if (info.Namespace == PoolNamespace.Fs)
        {
            for (int i = _r.Next(3); i > 0; i--)
            {
                def.MountOptions.Add(Text());
            }
        }
        if (info.Namespace == PoolNamespace.Rbd)
        {
            for (int i = _r.Next(3); i > 0; i--)
            {
                def.RbdConfigOptions.Add(new RbdConfigOption(Text(), Text()));
            }
        }
        if (refreshData)
        {
            def.Capacity = U64();
            def.Allocation = U64();
            def.Available = U64();
        }
        return def;
    }

    public VolumeDefinition Volume(PoolTypeInfo pool, bool refreshData)
    {
        var def = new VolumeDefinition
        {
            Type = (VolumeType)_r.Next(6),
            Name = Text(),
            Key = Maybe(Text),
            Capacity = Size(),
            Allocation = Size(),
        };
        var t = def.Target;
        t.Path = Maybe(Path);
        t.Format = pool.VolumeFormats is null ? null : Pick(pool.VolumeFormats);
        t.Permissions = Permissions();
        if (Chance(3))
        {
            t.Encryption = Encryption();
        }
        t.Compat = Maybe(() => $"{_r.Next(3)}.{_r.Next(20)}");
        t.ClusterSize = Chance(2) ? 0 : (ulong)_r.NextInt64(1, long.MaxValue);
        if (Chance(2))
        {
            t.Features = (VolumeFeatures)_r.Next(4);
            t.Compat ??= "1.1";
        }
        if (Chance(2))
        {
            def.BackingStore = new VolumeBackingStore
            {
                Path = Path(),
                Format = pool.VolumeFormats is null ? null : Pick(pool.VolumeFormats),
                Permissions = Permissions(),
            };
        }
        if (refreshData)
        {
            for (int i = _r.Next(4); i > 0; i--)
            {
                def.Extents.Add(new VolumeExtent(Chance(2) ? "/dev/sda" : Path(), U64(), U64()));
            }
            def.Physical = U64();
            t.NoCow = Chance(2);
            t.Timestamps = new VolumeTimestamps
            {
                Atime = Time(), Mtime = Time(), Ctime = Time(), Btime = Chance(2) ? null : Time(),
            };
        }
        return def;
    }

    public FsPoolDefinition FsPool(bool refreshData)
    {
        var def = new FsPoolDefinition { Name = Text(), Uuid = Uuid() };
        def.Source.Product = Maybe(Text);
        def.Target.Path = Path();
        def.Target.Permissions = Permissions();
        if (refreshData)
        {
            def.Capacity = U64();
            def.Allocation = U64();
            def.Available = U64();
        }
        return def;
    }

    public FsItemDefinition FsItem() => new()
    {
        Name = Text(),
        Key = Maybe(Text),
        Capacity = Size(),
        Allocation = Size(),
        Path = Maybe(Path),
        Permissions = Permissions(),
    };

    private StorageAdapter Adapter()
    {
        switch (_r.Next(3))
        {
            case 0:
                return new StorageAdapter { Type = AdapterType.ScsiHost, Name = Text() };
            case 1:
                return new StorageAdapter
                {
                    Type = AdapterType.ScsiHost,
                    ParentAddress = new PciAddress((uint)_r.Next(0x10000), (uint)_r.Next(0x100), (uint)_r.Next(1, 0x20), (uint)_r.Next(8)),
                    UniqueId = _r.Next(),
                };
            default:
                bool parentPair = Chance(2);
                return new StorageAdapter
                {
                    Type = AdapterType.FcHost,
                    Parent = Maybe(Text),
                    ParentWwnn = parentPair ? Wwn() : null,
                    ParentWwpn = parentPair ? Wwn() : null,
                    ParentFabricWwn = Maybe(Wwn),
                    Managed = (TristateBool)_r.Next(3),
                    Wwnn = Wwn(),
                    Wwpn = Wwn(),
                };
        }
    }

    private StorageEncryption Encryption()
    {
        var enc = new StorageEncryption
        {
            Format = (EncryptionFormat)_r.Next(4),
            Engine = (EncryptionEngine)_r.Next(3),
        };
        for (int i = _r.Next(3); i > 0; i--)
        {
            enc.Secrets.Add(new EncryptionSecret(Lookup()));
        }
        if (enc.Format == EncryptionFormat.Luks && Chance(2))
        {
            enc.Cipher = new EncryptionCipher(Text(), (uint)_r.Next(), Maybe(Text), Maybe(Text));
            if (Chance(2))
            {
                enc.Ivgen = new EncryptionIvgen(Text(), Maybe(Text));
            }
        }
        return enc;
    }

    private StoragePermissions Permissions() => Chance(3) ? new StoragePermissions() : new StoragePermissions
    {
        Mode = Chance(4) ? null : (uint)_r.Next(0x200),
        Owner = Chance(3) ? null : (uint)_r.Next(),
        Group = Chance(3) ? null : (uint)_r.Next(),
        Label = Maybe(Text),
    };

    private SecretLookup Lookup() => Chance(2) ? SecretLookup.ByUuid(Uuid()) : SecretLookup.ByUsage(Text());

    private VolumeTimestamp? Time() =>
        Chance(4) ? null : new VolumeTimestamp(_r.NextInt64(0, 4_000_000_000), Chance(3) ? 0 : _r.Next(1_000_000_000));

    private string Wwn()
    {
        var hex = Convert.ToHexString(BitConverter.GetBytes(_r.NextInt64())).ToLowerInvariant();
        return Chance(5) ? "0x" + hex : hex;
    }

    private Guid Uuid()
    {
        var bytes = new byte[16];
        _r.NextBytes(bytes);
        return new Guid(bytes);
    }

    private string Text()
    {
        var sb = new StringBuilder();
        for (int i = _r.Next(1, 12); i > 0; i--)
        {
            sb.Append(Pick(Runes));
        }
        return sb.ToString();
    }

    private static readonly string[] Runes = [.. Alphabet.EnumerateRunes().Select(r => r.ToString())];

    // Absolute, already sanitised: no repeated or trailing slash.
    private string Path()
    {
        var sb = new StringBuilder();
        for (int i = _r.Next(1, 4); i > 0; i--)
        {
            sb.Append('/').Append(Text().Replace(':', '_'));
        }
        return sb.ToString();
    }

    private ulong Size() => Chance(4) ? 0 : (ulong)_r.NextInt64(0, long.MaxValue);

    private ulong U64() => (ulong)_r.NextInt64() * 2 + (ulong)_r.Next(2);

    private bool Chance(int oneIn) => _r.Next(oneIn) == 0;

    private string? Maybe(Func<string> make) => Chance(2) ? null : make();

    private T Pick<T>(IReadOnlyList<T> list) => list[_r.Next(list.Count)];
}
