namespace StorageFs.Core;

/// <summary>
/// Builds the exceptions Core throws for bad input, with the prefix libvirt's
/// <c>virErrorMsg</c> (src/util/virerror.c) puts before each message of that kind, so a
/// message reads exactly as virsh would print it ("XML error: missing …").
/// </summary>
internal static class LibvirtErrors
{
    /// <summary>VIR_ERR_XML_ERROR: the document breaks a rule.</summary>
    public static StorageException Xml(string message) =>
        new(ErrorCode.XmlError, "XML error: " + message);

    /// <summary>VIR_ERR_CONFIG_UNSUPPORTED: a value StorageFs does not know.</summary>
    public static StorageException Unsupported(string message) =>
        new(ErrorCode.ConfigUnsupported, "unsupported configuration: " + message);

    /// <summary>VIR_ERR_INVALID_ARG.</summary>
    public static StorageException InvalidArg(string message) =>
        new(ErrorCode.InvalidArg, "invalid argument: " + message);

    /// <summary>VIR_ERR_OVERFLOW, reported with the InvalidArg code.</summary>
    public static StorageException Overflow(string message) =>
        new(ErrorCode.InvalidArg, "numerical overflow: " + message);

    /// <summary>VIR_ERR_NO_SUPPORT.</summary>
    public static StorageException NoSupport(string message) =>
        new(ErrorCode.NoSupport, "this function is not supported by the connection driver: " + message);

    /// <summary>libvirt's "Invalid value for attribute" message of <c>virXMLPropEnum</c>.</summary>
    public static StorageException InvalidAttribute(string attribute, string element, string value) =>
        Xml($"Invalid value for attribute '{attribute}' in element '{element}': '{value}'.");

    /// <summary>libvirt's "Missing required attribute" message of the <c>virXMLProp*</c> helpers.</summary>
    public static StorageException MissingAttribute(string attribute, string element) =>
        Xml($"Missing required attribute '{attribute}' in element '{element}'");
}
