namespace StorageFs.Core.Tests.Conformance;

/// <summary>One row of shared/conformance/libvirt/cases.tsv (see its README).</summary>
public sealed record ConformanceCase(string Kind, string Input, string Expected, string Pool, string Flags, string Note)
{
    public bool ExpectsFailure => Expected == "FAIL";
}
