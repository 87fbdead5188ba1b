public import Foundation
public import JuiceCtl
internal import Synchronization

/// A ``HostProbing`` held in memory: a mount table, `stat`/`statfs` answers per path, file contents, local files,
/// processes and `mkdir` behaviour, all set by the test and changeable while the code under test runs (a fake
/// `juicefs mount` can add the mount it "made"). Thread-safe; every call is logged in ``calls``.
///
/// Paths are compared as given, without normalisation. A path with no configured `stat` answer fails with
/// `ENOENT`; one with no `statfs` figures or file contents reads as `nil`; a process with no command line is gone.
public final class FakeHost: HostProbing {
    /// Everything the fake knows, as plain data.
    public struct State: Sendable {
        /// The text ``FakeHost/mountInfo()`` returns.
        public var mountInfo = ""
        /// When set, ``FakeHost/mountInfo()`` throws a ``FakeHostError`` with this message.
        public var mountInfoFailure: String?
        /// `stat` answers by path.
        public var statuses: [String: PathStatus] = [:]
        /// `statfs` figures by path.
        public var filesystemStats: [String: FilesystemStats] = [:]
        /// File contents by path (for `<mount>/.config`).
        public var fileContents: [String: Data] = [:]
        /// Paths that exist on local filesystems (``FakeHost/fileExists(_:)``).
        public var localFiles: Set<String> = []
        /// `createLocalDirectory` fails for these paths with the message given.
        public var localDirectoryFailures: [String: String] = [:]
        /// Command lines by PID.
        public var commandLines: [Int32: [String]] = [:]
        /// PIDs that are alive.
        public var livePIDs: Set<Int32> = []
        /// `mkdir` answers by path (an errno, 0 for success), instead of the default behaviour.
        public var mkdirResults: [String: Int32] = [:]
        /// What ``FakeHost/processesUsing(_:)`` answers, by path.
        public var processesUsing: [String: [Int32]] = [:]
        /// Directories `makeDirectory` created, in order.
        public var createdDirectories: [String] = []
        /// Directories `createLocalDirectory` was asked for, in order.
        public var createdLocalDirectories: [String] = []
        /// Every call, in order: `stat /path`, `statfs /path`, `readFile /path`, `mkdir /path`, `mountInfo`, ...
        public var calls: [String] = []
        /// The inode the next created directory gets.
        public var nextInode: UInt64 = 1000

        /// An empty host: no mounts, no files, no processes.
        public init() {}
    }

    private let state: Mutex<State>

    /// Creates a host in `state` (empty by default).
    public init(_ state: State = State()) {
        self.state = Mutex(state)
    }

    /// Reads or changes the state atomically.
    @discardableResult
    public func update<R: Sendable>(_ body: (inout State) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// A copy of the current state.
    public var snapshot: State { state.withLock { $0 } }

    /// Every call so far, in order (see ``State/calls``).
    public var calls: [String] { snapshot.calls }

    /// Directories `makeDirectory` created, in order.
    public var createdDirectories: [String] { snapshot.createdDirectories }

    /// Directories `createLocalDirectory` was asked for, in order.
    public var createdLocalDirectories: [String] { snapshot.createdLocalDirectories }

    // MARK: Setting the host up

    /// Replaces the mount table.
    public func setMountInfo(_ text: String) {
        update { $0.mountInfo = text }
    }

    /// Appends one line to the mount table (it is mounted on top of earlier lines with the same mount point).
    public func appendMountInfo(_ line: String) {
        update { state in
            if !state.mountInfo.isEmpty, !state.mountInfo.hasSuffix("\n") { state.mountInfo += "\n" }
            state.mountInfo += line.hasSuffix("\n") ? line : line + "\n"
        }
    }

    /// Removes every mount table line whose mount point (decoded) is `mountPoint`; with `onlyTop`, only the last.
    public func removeMountInfo(at mountPoint: String, onlyTop: Bool = false) {
        update { state in
            var lines = state.mountInfo.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            let matching = lines.indices.filter { MountInfoParser.parseLine(Substring(lines[$0]))?.mountPoint == mountPoint }
            for index in (onlyTop ? Array(matching.suffix(1)) : matching).reversed() { lines.remove(at: index) }
            state.mountInfo = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        }
    }

    /// Sets what `stat(path)` answers.
    public func setStat(_ path: String, _ status: PathStatus) {
        update { $0.statuses[path] = status }
    }

    /// Makes `path` a directory with `inode`.
    public func setDirectory(_ path: String, inode: UInt64) {
        setStat(path, .found(inode: inode, isDirectory: true))
    }

    /// Sets what `statfs(path)` answers (`nil`: it fails).
    public func setStatfs(_ path: String, _ stats: FilesystemStats?) {
        update { $0.filesystemStats[path] = stats }
    }

    /// Sets the contents `readFile(path)` returns (`nil`: it cannot be read).
    public func setFile(_ path: String, _ contents: Data?) {
        update { $0.fileContents[path] = contents }
    }

    /// Sets the text `readFile(path)` returns.
    public func setFile(_ path: String, text: String) {
        setFile(path, Data(text.utf8))
    }

    /// Makes `path` exist, or not, on a local filesystem.
    public func setLocalFile(_ path: String, exists: Bool = true) {
        update { state in
            if exists { state.localFiles.insert(path) } else { state.localFiles.remove(path) }
        }
    }

    /// Makes a process with `commandLine` run as `pid`, alive unless said otherwise.
    public func setProcess(_ pid: Int32, commandLine: [String]?, alive: Bool = true) {
        update { state in
            state.commandLines[pid] = commandLine
            if alive { state.livePIDs.insert(pid) } else { state.livePIDs.remove(pid) }
        }
    }

    /// Makes `pid` alive or gone (its command line stays as set).
    public func setAlive(_ pid: Int32, _ alive: Bool) {
        update { state in
            if alive { state.livePIDs.insert(pid) } else { state.livePIDs.remove(pid) }
        }
    }

    /// Makes `mkdir(path)` answer `errno` (0: success) instead of the default behaviour.
    public func setMkdirResult(_ path: String, errno: Int32) {
        update { $0.mkdirResults[path] = errno }
    }

    /// Sets which processes use `path`.
    public func setProcessesUsing(_ path: String, _ pids: [Int32]) {
        update { $0.processesUsing[path] = pids }
    }

    /// One line of `/proc/self/mountinfo` as the kernel writes it: space, tab, newline and backslash in the mount
    /// point and source escaped as `\040`, `\011`, `\012`, `\134`.
    public static func mountInfoLine(id: Int, parentID: Int = 1, device: String = "0:50", mountPoint: String,
                                     fstype: String, source: String, mountOptions: String = "rw,nosuid,nodev,relatime",
                                     optionalFields: [String] = [], superOptions: String = "rw") -> String {
        ([String(id), String(parentID), device, "/", escape(mountPoint), mountOptions] + optionalFields
            + ["-", fstype, escape(source), superOptions]).joined(separator: " ")
    }

    /// `\040`-style escaping of the characters the kernel escapes in mountinfo.
    public static func escape(_ field: String) -> String {
        var result = ""
        for scalar in field.unicodeScalars {
            switch scalar {
            case " ": result += "\\040"
            case "\t": result += "\\011"
            case "\n": result += "\\012"
            case "\\": result += "\\134"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: HostProbing

    public func mountInfo() throws -> String {
        let (text, failure) = update { state in
            state.calls.append("mountInfo")
            return (state.mountInfo, state.mountInfoFailure)
        }
        if let failure { throw FakeHostError(message: failure) }
        return text
    }

    public func stat(_ path: String, deadline: Duration) async -> PathStatus {
        update { state in
            state.calls.append("stat \(path)")
            return state.statuses[path] ?? Self.noSuchFile
        }
    }

    public func statfs(_ path: String, deadline: Duration) async -> FilesystemStats? {
        update { state in
            state.calls.append("statfs \(path)")
            return state.filesystemStats[path]
        }
    }

    public func readFile(_ path: String, deadline: Duration) async -> Data? {
        update { state in
            state.calls.append("readFile \(path)")
            return state.fileContents[path]
        }
    }

    /// Answers from ``State/mkdirResults`` when set there; otherwise `EEXIST` when `path` has a `stat` answer,
    /// `ETIMEDOUT` when its parent's `stat` times out, `ENOENT` when the parent is no directory, and else creates
    /// it (a directory with a new inode, listed in ``State/createdDirectories``) and returns 0.
    public func makeDirectory(_ path: String, mode: UInt16, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("mkdir \(path)")
            if let code = state.mkdirResults[path] {
                if code == 0 { Self.create(path, in: &state) }
                return code
            }
            switch state.statuses[path] {
            case .found?: return EEXIST
            case .timedOut?: return ETIMEDOUT
            case .failed?, nil: break
            }
            switch state.statuses[Self.parent(of: path)] {
            case .found(_, true)?: break
            case .timedOut?: return ETIMEDOUT
            default: return ENOENT
            }
            Self.create(path, in: &state)
            return 0
        }
    }

    public func fileExists(_ path: String) -> Bool {
        update { state in
            state.calls.append("fileExists \(path)")
            return state.localFiles.contains(path)
        }
    }

    public func createLocalDirectory(_ path: String, mode: UInt16) throws {
        let failure: String? = update { state in
            state.calls.append("createLocalDirectory \(path)")
            if let failure = state.localDirectoryFailures[path] { return failure }
            state.createdLocalDirectories.append(path)
            var current = path
            while current.count > 1 {
                state.localFiles.insert(current)
                current = Self.parent(of: current)
            }
            return nil
        }
        if let failure { throw FakeHostError(message: failure) }
    }

    public func contentsOfDirectory(_ path: String) -> [String]? {
        update { state in
            state.calls.append("contentsOfDirectory \(path)")
            let prefix = path.hasSuffix("/") ? path : path + "/"
            let children = Set((Array(state.localFiles) + Array(state.fileContents.keys)).compactMap { entry -> String? in
                guard entry.hasPrefix(prefix) else { return nil }
                return entry.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
            })
            return children.isEmpty && !state.localFiles.contains(path) ? nil : children.sorted()
        }
    }

    public func readLocalFile(_ path: String) -> Data? {
        update { state in
            state.calls.append("readLocalFile \(path)")
            return state.fileContents[path]
        }
    }

    public func writeLocalFile(_ path: String, _ data: Data, mode: UInt16) throws {
        update { state in
            state.calls.append("writeLocalFile \(path)")
            state.fileContents[path] = data
            state.localFiles.insert(path)
        }
    }

    public func moveLocalItem(_ source: String, to destination: String) throws {
        let missing: Bool = update { state in
            state.calls.append("moveLocalItem \(source) \(destination)")
            guard state.localFiles.contains(source) || state.fileContents[source] != nil else { return true }
            state.localFiles.remove(source)
            state.localFiles.insert(destination)
            state.fileContents[destination] = state.fileContents.removeValue(forKey: source)
            return false
        }
        if missing { throw FakeHostError(message: "no such file: \(source)") }
    }

    public func removeLocalItem(_ path: String) throws {
        let missing: Bool = update { state in
            state.calls.append("removeLocalItem \(path)")
            let existed = state.localFiles.remove(path) != nil || state.fileContents.removeValue(forKey: path) != nil
            return !existed
        }
        if missing { throw FakeHostError(message: "no such file: \(path)") }
    }

    public func commandLine(of pid: Int32) -> [String]? {
        update { state in
            state.calls.append("commandLine \(pid)")
            return state.livePIDs.contains(pid) ? state.commandLines[pid] : nil
        }
    }

    public func isAlive(_ pid: Int32) -> Bool {
        update { state in
            state.calls.append("isAlive \(pid)")
            return state.livePIDs.contains(pid)
        }
    }

    public func processesUsing(_ path: String) -> [Int32] {
        update { state in
            state.calls.append("processesUsing \(path)")
            return state.processesUsing[path] ?? []
        }
    }

    // MARK: Helpers

    private static let noSuchFile = PathStatus.failed(errno: ENOENT, message: "No such file or directory")

    private static func create(_ path: String, in state: inout State) {
        state.statuses[path] = .found(inode: state.nextInode, isDirectory: true)
        state.nextInode += 1
        state.createdDirectories.append(path)
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
