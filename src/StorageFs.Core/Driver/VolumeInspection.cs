using StorageFs.Core.Backend;

namespace StorageFs.Core.Driver;

/// <summary>What <see cref="StorageDriver.InspectVolume"/> found.</summary>
/// <param name="Content">Filesystem and host use, or null when the volume's bytes could not be looked at.</param>
/// <param name="Backing">The backing chain, nearest first (<c>PATH (FORMAT)</c>); empty when none.</param>
public sealed record VolumeInspection(VolumeContent? Content, IReadOnlyList<string> Backing);
