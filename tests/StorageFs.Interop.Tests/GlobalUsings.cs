global using StorageFs.Interop;
