global using Serilog;
