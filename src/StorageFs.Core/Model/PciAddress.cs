namespace StorageFs.Core.Model;

/// <summary>
/// A PCI address, <c>&lt;address domain= bus= slot= function=/&gt;</c>, as used by a
/// scsi_host adapter's <c>&lt;parentaddr&gt;</c> (<c>virPCIDeviceAddress</c>, device_conf.c).
/// Invariant after parsing: domain ≤ 0xFFFF, bus ≤ 0xFF, slot ≤ 0x1F, function ≤ 7.
/// </summary>
public readonly record struct PciAddress(uint Domain, uint Bus, uint Slot, uint Function);
