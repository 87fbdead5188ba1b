/// What to look for when juicectl asks who uses trees it is about to replace or remove (`/active` before a restore,
/// a checkpoint before a deletion): processes and mounts in any mount namespace of the host.
public struct TreeUsageQuery: Sendable, Hashable, Codable {
    /// `major:minor` of the volume's FUSE mount (as in mountinfo).
    public var volumeDevice: String
    /// Trees on the volume, as paths from its root (`/active`, `/checkpoints/NAME`).
    public var trees: [String]
    /// Whole filesystems that belong to a tree, by `major:minor`: the overlay and the ext4 image under `/active`
    /// count as `/active`, wherever they are reached.
    public var devices: [String: String]
    /// Mounts juicectl made in its own mount namespace (the volume, the image, the overlay): not users.
    public var ownMounts: [OwnMount]

    /// One of juicectl's own mounts.
    public struct OwnMount: Sendable, Hashable, Codable {
        /// `major:minor`.
        public var device: String
        /// Where it is mounted in juicectl's namespace.
        public var mountPoint: String

        /// Creates a description.
        public init(device: String, mountPoint: String) {
            self.device = device
            self.mountPoint = mountPoint
        }
    }

    /// Creates a query.
    public init(volumeDevice: String, trees: [String], devices: [String: String] = [:], ownMounts: [OwnMount] = []) {
        self.volumeDevice = volumeDevice
        self.trees = trees
        self.devices = devices
        self.ownMounts = ownMounts
    }
}

/// How a process reaches a tree.
public enum TreeReference: Sendable, Hashable, Codable {
    /// Its working directory is inside.
    case workingDirectory
    /// Its root directory is inside (a container whose root is the overlay).
    case rootDirectory
    /// It holds this file open.
    case openFile(String)
    /// It maps this file into memory.
    case memoryMap(String)
}

/// A process or a mount that uses a tree.
public struct TreeUser: Sendable, Hashable, Codable {
    /// Who it is.
    public enum Holder: Sendable, Hashable, Codable {
        /// A process: pid, command line, and how it reaches the tree.
        case process(pid: Int32, command: String, references: [TreeReference])
        /// A mount of something inside the tree: a bind mount, or the overlay in a container's namespace.
        /// `namespace` is the mount namespace's inode, `hostNamespace` whether it is juicectl's own namespace (such a
        /// mount outlives any process), `pids` the processes of that namespace (terminating them ends the namespace
        /// and its mounts, unless something else pins it), at most 16 of them; empty for juicectl's own namespace,
        /// whose processes must not be terminated for it. `mountPoint` is as that namespace's root sees it.
        case mount(mountPoint: String, namespace: UInt64, hostNamespace: Bool, pids: [Int32])
    }

    /// The queried tree it uses (one of ``TreeUsageQuery/trees``).
    public var tree: String
    /// The path on the volume it reaches, from the volume root, when known.
    public var volumePath: String?
    /// Who it is.
    public var holder: Holder

    /// Creates a user.
    public init(tree: String, volumePath: String?, holder: Holder) {
        self.tree = tree
        self.volumePath = volumePath
        self.holder = holder
    }

    /// The pid of a process holder.
    public var pid: Int32? {
        if case .process(let pid, _, _) = holder { return pid }
        return nil
    }

    /// Whether terminating processes cannot end this use (a mount in juicectl's own namespace).
    public var outlivesProcesses: Bool {
        if case .mount(_, _, true, _) = holder { return true }
        return false
    }

    /// One line for messages: `pid 4242 (python3 app.py): working directory /active/fs/src`,
    /// `bind mount at /srv/work (mount namespace 4026532201 of pids 77, 78) of /active/fs`.
    public var description: String {
        let place = volumePath.map { " \($0)" } ?? ""
        switch holder {
        case .process(let pid, let command, let references):
            let how = references.map { reference -> String in
                switch reference {
                case .workingDirectory: "working directory"
                case .rootDirectory: "root directory"
                case .openFile(let path): "open file \(path)"
                case .memoryMap(let path): "memory map of \(path)"
                }
            }
            return "pid \(pid) (\(command)): \(how.joined(separator: ", "))\(references.count == 1 ? place : "")"
        case .mount(let mountPoint, let namespace, let host, let pids):
            let owner =
                host
                ? "in juicectl's mount namespace"
                : "in mount namespace \(namespace) of pid\(pids.count == 1 ? "" : "s") \(pids.map(String.init).joined(separator: ", "))"
            return "mount at \(mountPoint) \(owner)\(volumePath.map { " of \($0)" } ?? "")"
        }
    }
}

extension TreeUser {
    /// Several users on one line, the first five in full: `pid 4242 (sh): working directory /active/fs; and 3 more`.
    public static func summary(_ users: [TreeUser]) -> String {
        let shown = users.prefix(5).map(\.description)
        return (shown + (users.count > 5 ? ["and \(users.count - 5) more"] : [])).joined(separator: "; ")
    }
}
