namespace StorageFs.IntegrationTests.Infrastructure;

/// <summary>
/// stress-ng's whole filesystem class (binderfs left out: this kernel has none, which stress-ng
/// counts as a failure on the host too), every stressor for 1 s, as <see cref="Lanes"/> runs at
/// the same time: the class's stressors dealt round-robin into lanes, each lane one
/// <c>--sequential 1</c> run of its share (the others excluded). The same stressors for the same
/// time as one sequential run of the class (about 50 s), in a quarter of the wall time; each
/// stressor still runs alone within its lane.
/// </summary>
public static class StressNg
{
    public const int Lanes = 4;

    /// <summary>
    /// A bash fragment running the class in <paramref name="tempPath"/> (a shell word, expanded)
    /// with <paramref name="options"/> added to each run. It sets <c>rc</c> to 0 when every lane
    /// exited 0, else to a failing lane's exit code (2 when stress-ng lists no such class), and leaves lane N's output in
    /// <paramref name="logPrefix"/>N.log (both shell words).
    /// </summary>
    public static string FilesystemClass(string tempPath, string logPrefix, string options = "") => $$"""
        sng_all=$(stress-ng --class 'filesystem?' 2>&1 | sed -n "s/^class 'filesystem' stressors: //p")
        sng_pids=()
        [ -n "$sng_all" ] || echo "stress-ng lists no filesystem class"
        for sng_lane in $([ -n "$sng_all" ] && seq 0 {{Lanes - 1}}); do
          sng_exclude=binderfs; sng_i=0
          for sng_s in $sng_all; do
            [ "$sng_s" = binderfs ] && continue
            [ $((sng_i % {{Lanes}})) -eq $sng_lane ] || sng_exclude="$sng_exclude,$sng_s"
            sng_i=$((sng_i + 1))
          done
          stress-ng --class filesystem --exclude "$sng_exclude" --sequential 1 --timeout 1 {{options}} \
            --temp-path {{tempPath}} >{{logPrefix}}$sng_lane.log 2>&1 &
          sng_pids+=($!)
        done
        rc=0
        [ -n "$sng_all" ] || rc=2
        for sng_p in "${sng_pids[@]}"; do wait "$sng_p" || rc=$?; done
        """;
}
