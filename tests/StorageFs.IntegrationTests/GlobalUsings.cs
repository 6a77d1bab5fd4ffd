global using System.Diagnostics;
global using System.Globalization;
global using System.Text;
global using StorageFs.IntegrationTests.Infrastructure;
global using StorageFs.IntegrationTests.Fixtures;
