namespace StorageFs.Core.Model;

/// <summary>
/// fspool types of the 2016 libvirt "fspool" series (src/conf/fs_conf.c,
/// <c>virFSPool</c>): only <c>dir</c>, a host directory whose items are its subdirectories.
/// </summary>
public enum FsPoolType
{
    Dir,
}
