using StorageFs.Fuse.Nodes;

namespace StorageFs.Fuse;

/// <summary>
/// An OPEN, OPENDIR or CREATE the engine refused because the caller's uid, all users together,
/// or the whole mount hold as many handles as <see cref="FuseServerOptions"/> allows.
/// </summary>
/// <param name="Op"><c>open</c>, <c>opendir</c> or <c>create</c>.</param>
/// <param name="Node">The node opened, or the directory created in.</param>
/// <param name="Name">The name created (CREATE), else null.</param>
/// <param name="Errno">EMFILE (the uid's own limit) or ENFILE (a shared one).</param>
/// <param name="Held">Handles held when refused (by the uid, by all users, or in all).</param>
/// <param name="Limit">The limit reached.</param>
/// <param name="Message">One line saying which limit, for the error log.</param>
public sealed record HandleRefusal(string Op, Node Node, string? Name, Errno Errno, int Held, int Limit, string Message);
