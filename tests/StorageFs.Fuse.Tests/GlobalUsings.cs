global using System.Runtime.CompilerServices;
global using System.Runtime.InteropServices;
global using System.Text;
global using StorageFs.Fuse.Abi;
global using StorageFs.Fuse.Nodes;
global using StorageFs.Fuse.Protocol;
global using StorageFs.Interop;
