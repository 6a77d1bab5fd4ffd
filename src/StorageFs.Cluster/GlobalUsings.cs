global using Etcdserverpb;
global using Google.Protobuf;
global using Grpc.Core;
global using Serilog;
global using StorageFs.Core;
global using StorageFs.Core.Cluster;
global using StorageFs.Core.Driver;
global using StorageFs.Interop;
