public import Foundation

/// What a path on the command line names, for the spec loader.
public enum SpecPathKind: Sendable, Hashable {
    /// A file (or a link to one: a path a user names is followed, as any program's argument is).
    case file
    /// A directory, whose `*.yaml` and `*.yml` files are read.
    case directory
    /// Nothing.
    case missing
}

/// The first bytes of a spec file and its size.
public struct SpecFileContents: Sendable, Hashable {
    /// At most the limit asked for, from the start of the file.
    public var data: Data
    /// The file's size in bytes, when it could be read (to say how far over the limit a file is).
    public var size: Int?

    /// Creates the contents.
    public init(data: Data, size: Int?) {
        self.data = data
        self.size = size
    }
}

/// The spec loader's way to the disk: everything ``SpecLoader`` reads of the files and directories it is given goes
/// through one of these, so that the loader is tested without a disk and the JuiceCtl module hands it the host's
/// own file access (its `HostProbing` conforms). ``LocalSpecFiles`` reads the local filesystem.
public protocol SpecFileAccess: Sendable {
    /// What `path` names.
    func specPathKind(_ path: String) -> SpecPathKind
    /// The names in the directory `path`, or `nil` when it cannot be listed.
    func specDirectoryNames(_ path: String) -> [String]?
    /// At most `limit` bytes from the start of the file `path`, or `nil` when it cannot be read.
    func readSpecFile(_ path: String, upTo limit: Int) -> SpecFileContents?
}

/// The local filesystem, through Foundation: what a loader reads by default.
public struct LocalSpecFiles: SpecFileAccess {
    /// Creates the local file access.
    public init() {}

    /// What `path` names on the local filesystem.
    public func specPathKind(_ path: String) -> SpecPathKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
    }

    /// The names in the local directory `path`.
    public func specDirectoryNames(_ path: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: path)
    }

    /// At most `limit` bytes of the local file `path` (one read: a device named by mistake is not read whole).
    public func readSpecFile(_ path: String, upTo limit: Int) -> SpecFileContents? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit) ?? Data() else { return nil }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue
        return SpecFileContents(data: data, size: size)
    }
}
