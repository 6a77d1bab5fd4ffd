namespace StorageFs.Vfs.Tree;

/// <summary>The object a control directory's files are about (a volume of vol/V/); its
/// <see cref="IPlace.At"/> is the control directory's path below the mount (<c>pools/P/vol/V</c>).</summary>
internal interface IPanelSubject : IPlace
{
}
