using StorageFs.Fuse;

namespace StorageFs.Daemon;

/// <summary>The <c>uring</c> setting (config key, <c>--uring</c>, <c>-o uring=</c>): auto, on or off.</summary>
internal static class UringSetting
{
    public const string Expected = "expected auto, on or off";

    public static bool TryParse(string? text, out UringMode mode)
    {
        switch (text)
        {
            case "auto":
                mode = UringMode.Auto;
                return true;
            case "on":
                mode = UringMode.On;
                return true;
            case "off":
                mode = UringMode.Off;
                return true;
            default:
                mode = UringMode.Auto;
                return false;
        }
    }
}
