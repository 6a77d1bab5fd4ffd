namespace StorageFs.Vfs.Tree;

/// <summary>The object a control directory's files are about (a volume of vol/V/).</summary>
internal interface IPanelSubject
{
    /// <summary>The control directory's path below the mount (<c>pools/P/vol/V</c>).</summary>
    string At { get; }
}
