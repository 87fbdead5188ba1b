internal import JuiceCtlCore

/// The references of one process gathered into one ``TreeUser`` per tree (pure).
struct ProcessTreeUse {
    /// At most this many references are kept per tree, for messages (the process is reported anyway).
    static let referenceLimit = 8

    /// How a reference was found.
    enum Link: Hashable, Sendable {
        /// `/proc/PID/cwd`.
        case workingDirectory
        /// `/proc/PID/root`.
        case rootDirectory
        /// `/proc/PID/fd/N`.
        case descriptor
        /// `/proc/PID/map_files/RANGE`.
        case memoryMap
    }

    let pid: Int32
    let command: String
    private var trees: [String] = []
    private var references: [String: [TreeReference]] = [:]
    private var paths: [String: String] = [:]

    /// Starts with no reference.
    init(pid: Int32, command: String) {
        self.pid = pid
        self.command = command
    }

    /// Whether no reference was added.
    var isEmpty: Bool { trees.isEmpty }

    /// Adds a reference found through `link`, with link text `text`, that counts for `hit`'s tree. A file is named
    /// by its path on the volume when known, else by the link text; a removed file keeps the kernel's
    /// ` (deleted)`.
    mutating func add(_ link: Link, text: ProcLinkText?, hit: TreeHit) {
        let name = (hit.volumePath ?? text?.path ?? "?") + (text?.isDeleted == true ? " (deleted)" : "")
        let reference: TreeReference =
            switch link {
            case .workingDirectory: .workingDirectory
            case .rootDirectory: .rootDirectory
            case .descriptor: .openFile(name)
            case .memoryMap: .memoryMap(name)
            }
        if references[hit.tree] == nil {
            trees.append(hit.tree)
            references[hit.tree] = []
        }
        if paths[hit.tree] == nil, let path = hit.volumePath { paths[hit.tree] = path }
        guard var list = references[hit.tree], !list.contains(reference), list.count < Self.referenceLimit else { return }
        list.append(reference)
        references[hit.tree] = list
    }

    /// One user per tree, in the order the trees were first reached; its path is the first one known.
    var users: [TreeUser] {
        trees.map { tree in
            TreeUser(
                tree: tree, volumePath: paths[tree],
                holder: .process(pid: pid, command: command, references: references[tree] ?? []))
        }
    }
}
