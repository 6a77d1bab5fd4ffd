global using StorageFs.Core;
global using StorageFs.Core.Model;
