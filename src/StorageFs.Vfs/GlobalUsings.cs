global using StorageFs.Fuse;
global using StorageFs.Fuse.Abi;
global using StorageFs.Fuse.Nodes;
global using StorageFs.Interop;
