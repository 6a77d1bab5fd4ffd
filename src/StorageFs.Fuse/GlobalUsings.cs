global using System.Runtime.CompilerServices;
global using System.Runtime.InteropServices;
global using StorageFs.Fuse.Abi;
global using StorageFs.Interop;
