namespace StorageFs.Backends.Tests;

/// <summary>IProgress that reports inline (Progress&lt;T&gt; posts to the thread pool, so a test could miss the last report).</summary>
internal sealed class SynchronousProgress(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}
