public import Foundation
public import JuiceCtl
public import JuiceCtlCore
internal import Synchronization

/// A ``HostProbing`` held in memory: a mount table, `stat`/`statfs` answers per path, file contents, local files,
/// processes and `mkdir` behaviour, all set by the test and changeable while the code under test runs (a fake
/// `juicefs mount` can add the mount it "made"). Thread-safe; every call is logged in ``calls``.
///
/// Paths are compared as given, without normalisation. A path with no configured `stat` answer fails with
/// `ENOENT`; one with no `statfs` figures or file contents reads as `nil`; a process with no command line is gone.
///
/// Trees on a fake volume: a file written into a directory with a `stat` answer gets one too, `rename` moves a
/// path with everything under it (and needs the destination's directory), `removeLocalItem` removes a tree, and
/// ``copyTree(_:to:)`` / ``removeTree(_:)`` let a fake `juicefs clone` / `juicefs rmr` change the volume.
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
        /// Reads of these paths get no answer (``FakeHost/readFileAnswer(_:deadline:)`` times out, `readFile` is `nil`).
        public var unansweredReads: Set<String> = []
        /// Reads of these paths fail with the errno given.
        public var failingReads: [String: Int32] = [:]
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
        /// Open files by mount id.
        public var openFilesOnMount: [Int: Int] = [:]
        /// Directories `makeDirectory` created, in order.
        public var createdDirectories: [String] = []
        /// Directories `createLocalDirectory` was asked for, in order.
        public var createdLocalDirectories: [String] = []
        /// Every call, in order: `stat /path`, `statfs /path`, `readFile /path`, `mkdir /path`, `mountInfo`, ...
        public var calls: [String] = []
        /// The inode the next created directory gets.
        public var nextInode: UInt64 = 1000
        /// Attached loop devices.
        public var loopDevices: [LoopDevice] = []
        /// Sizes of sparse files created.
        public var sparseFiles: [String: UInt64] = [:]
        /// Modification dates of local files.
        public var modificationDates: [String: Date] = [:]
        /// Signals sent, as (pid, signal).
        public var signals: [(Int32, Int32)] = []
        /// The mode each local file was last written with.
        public var fileModes: [String: UInt16] = [:]
        /// Paths that are symbolic links (for ``symbolicLink(in:below:deadline:)``).
        public var symbolicLinks: Set<String> = []
        /// PIDs that survive SIGTERM (only SIGKILL ends them).
        public var ignoringSIGTERM: Set<Int32> = []
        /// cgroup directories whose freeze never completes (a task stuck in uninterruptible sleep): v1 stays
        /// `FREEZING`, v2 keeps `frozen 0`.
        public var unfreezableCgroups: Set<String> = []
        /// The users ``FakeHost/treeUsers(_:)`` knows of; it answers those whose tree is one of the query's
        /// (unless ``treeUsersAnswer`` is set).
        public var treeUsers: [TreeUser] = []
        /// When set, ``FakeHost/treeUsers(_:)`` answers this instead (it may look at the query, or at a counter to
        /// answer differently on a second scan).
        public var treeUsersAnswer: (@Sendable (TreeUsageQuery) -> [TreeUser])?
        /// Every query ``FakeHost/treeUsers(_:)`` was asked, in order.
        public var treeUsageQueries: [TreeUsageQuery] = []
        /// Start times by PID (``FakeHost/processStartTime(_:)`` answers them while the process is alive).
        public var startTimes: [Int32: UInt64] = [:]
        /// What the tree calls (``FakeHost/linkedFiles(under:deadline:)``, ``FakeHost/entryStatus(_:below:deadline:)``,
        /// link, rename over, set times) see, by host path (``FakeHost/treeKey(_:below:)``); see `FakeHost+Trees`.
        public var treeEntries: [String: EntryStatus] = [:]
        /// `replaceFile` answers by path (an errno), instead of writing the file.
        public var replaceFileResults: [String: Int32] = [:]
        /// What `lstat` through descriptors shows for juicectl's entries on a fake volume, by host path, where a test
        /// says (another owner, a loose mode); elsewhere it is made up from ``statuses`` and ``symbolicLinks``.
        public var guardedEntries: [String: GuardedEntry] = [:]
        /// Files in `/tmp` (by name) that ``FakeHost/removeRootOwnedFile(named:in:)`` finds not to be regular files
        /// owned by root, so it leaves them.
        public var foreignTemporaryFiles: Set<String> = []

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

    /// Sets the users ``treeUsers(_:)`` knows of.
    public func setTreeUsers(_ users: [TreeUser]) {
        update { $0.treeUsers = users }
    }

    /// Makes ``treeUsers(_:)`` answer with `answer` for every query.
    public func setTreeUsersAnswer(_ answer: @escaping @Sendable (TreeUsageQuery) -> [TreeUser]) {
        update { $0.treeUsersAnswer = answer }
    }

    /// Every query ``treeUsers(_:)`` was asked, in order.
    public var treeUsageQueries: [TreeUsageQuery] { snapshot.treeUsageQueries }

    /// Sets the start time of `pid` (in clock ticks after boot).
    public func setStartTime(_ pid: Int32, _ ticks: UInt64?) {
        update { $0.startTimes[pid] = ticks }
    }

    /// One line of `/proc/self/mountinfo` as the kernel writes it: space, tab, newline and backslash in the mount
    /// point and source escaped as `\040`, `\011`, `\012`, `\134`.
    public static func mountInfoLine(
        id: Int, parentID: Int = 1, device: String = "0:50", mountPoint: String,
        fstype: String, source: String, mountOptions: String = "rw,nosuid,nodev,relatime",
        optionalFields: [String] = [], superOptions: String = "rw"
    ) -> String {
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

    public func symbolicLink(in path: String, below root: String, deadline: Duration) async -> String? {
        update { state in
            state.calls.append("lstat \(path)")
            guard path.hasPrefix(root + "/") else { return nil }
            var current = root
            for component in path.dropFirst(root.count).split(separator: "/") {
                current += "/" + component
                if state.symbolicLinks.contains(current) { return current }
            }
            return nil
        }
    }

    public func statfs(_ path: String, deadline: Duration) async -> FilesystemStats? {
        update { state in
            state.calls.append("statfs \(path)")
            return state.filesystemStats[path]
        }
    }

    public func readFile(_ path: String, deadline: Duration) async -> Data? {
        if case .contents(let data) = await readFileAnswer(path, deadline: deadline) { return data }
        return nil
    }

    /// The contents set for `path`; a timeout for ``State/unansweredReads``; the errno of ``State/failingReads``;
    /// `ENOENT` otherwise.
    public func readFileAnswer(_ path: String, deadline: Duration) async -> FileReadAnswer {
        update { state in
            state.calls.append("readFile \(path)")
            if state.unansweredReads.contains(path) { return .timedOut }
            if let code = state.failingReads[path] { return .failed(errno: code, message: String(cString: strerror(code))) }
            return state.fileContents[path].map { .contents($0) } ?? .failed(errno: ENOENT, message: "No such file or directory")
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

    /// The names under `path` among the paths with a `stat` answer, file contents or local files; `nil` when
    /// `path` is no directory (no `stat` answer as one, no local directory, no children).
    public func listDirectory(_ path: String, deadline: Duration) async -> [String]? {
        update { state in
            state.calls.append("listDirectory \(path)")
            let prefix = path.hasSuffix("/") ? path : path + "/"
            let known = state.statuses.compactMap { key, value -> String? in
                if case .found = value { return key }
                return nil
            }
            let children = Set(
                (known + Array(state.localFiles) + Array(state.fileContents.keys)).compactMap { entry -> String? in
                    guard entry.hasPrefix(prefix) else { return nil }
                    return entry.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
                })
            let isDirectory: Bool
            switch state.statuses[path] {
            case .found(_, let directory)?: isDirectory = directory
            case .failed?, .timedOut?: return nil
            case nil: isDirectory = state.localFiles.contains(path) || !children.isEmpty
            }
            return isDirectory ? children.sorted() : nil
        }
    }

    public func rename(_ source: String, to destination: String, mode: RenameMode, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("rename \(source) \(destination) \(mode)")
            func exists(_ path: String, in state: State) -> Bool {
                state.localFiles.contains(path) || state.statuses[path] != nil
            }
            guard exists(source, in: state) else { return ENOENT }
            // The destination's directory must exist, as for rename(2).
            let parent = Self.parent(of: destination)
            guard state.localFiles.contains(parent) || Self.isDirectory(parent, in: state) else { return ENOENT }
            switch mode {
            case .noReplace where exists(destination, in: state): return EEXIST
            case .exchange where !exists(destination, in: state): return ENOENT
            default: break
            }
            func move(_ from: String, _ to: String, in state: inout State) {
                for key in state.localFiles where key == from || key.hasPrefix(from + "/") {
                    state.localFiles.remove(key)
                    state.localFiles.insert(to + key.dropFirst(from.count))
                }
                for (key, value) in state.statuses where key == from || key.hasPrefix(from + "/") {
                    state.statuses.removeValue(forKey: key)
                    state.statuses[to + key.dropFirst(from.count)] = value
                }
                for (key, value) in state.fileContents where key == from || key.hasPrefix(from + "/") {
                    state.fileContents.removeValue(forKey: key)
                    state.fileContents[to + key.dropFirst(from.count)] = value
                }
                for (key, value) in state.treeEntries where key == from || key.hasPrefix(from + "/") {
                    state.treeEntries.removeValue(forKey: key)
                    state.treeEntries[to + key.dropFirst(from.count)] = value
                }
            }
            if mode == .exchange {
                let parking = source + ".exchange-parking"
                move(source, parking, in: &state)
                move(destination, source, in: &state)
                move(parking, destination, in: &state)
            } else {
                move(source, destination, in: &state)
            }
            return 0
        }
    }

    public func contentsOfDirectory(_ path: String) -> [String]? {
        update { state in
            state.calls.append("contentsOfDirectory \(path)")
            let prefix = path.hasSuffix("/") ? path : path + "/"
            let children = Set(
                (Array(state.localFiles) + Array(state.fileContents.keys)).compactMap { entry -> String? in
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
            state.fileModes[path] = mode
            state.localFiles.insert(path)
            // A file written into a directory `stat` knows (on a fake volume) answers `stat` too, with a new inode:
            // an atomic write replaces the file.
            if Self.isDirectory(Self.parent(of: path), in: state) {
                state.statuses[path] = .found(inode: state.nextInode, isDirectory: false)
                state.nextInode += 1
            }
        }
    }

    public func replaceFile(_ path: String, with data: Data, mode: UInt16, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("replaceFile \(path)")
            if let code = state.replaceFileResults[path], code != 0 { return code }
            state.fileContents[path] = data
            state.fileModes[path] = mode
            state.localFiles.insert(path)
            return 0
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
            // Like FileManager.removeItem: the item and everything under it.
            return !Self.removeTree(path, in: &state)
        }
        if missing { throw FakeHostError(message: "no such file: \(path)") }
    }

    public func modificationDate(_ path: String) -> Date? {
        update { state in
            state.calls.append("modificationDate \(path)")
            return state.modificationDates[path]
        }
    }

    public func processes() -> [Int32: [String]] {
        update { state in
            state.calls.append("processes")
            return state.commandLines.filter { state.livePIDs.contains($0.key) }
        }
    }

    public func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        update { state in
            state.calls.append("signal \(pid) \(signal)")
            state.signals.append((pid, signal))
            guard state.livePIDs.contains(pid) else { return false }
            if signal == SIGKILL || (signal == SIGTERM && !state.ignoringSIGTERM.contains(pid)) { state.livePIDs.remove(pid) }
            return true
        }
    }

    public func loopDevices() -> [LoopDevice] {
        update { state in
            state.calls.append("loopDevices")
            return state.loopDevices
        }
    }

    public func createSparseFile(_ path: String, size: UInt64) throws {
        let exists: Bool = update { state in
            state.calls.append("createSparseFile \(path) \(size)")
            if state.localFiles.contains(path) || state.statuses[path] != nil { return true }
            state.localFiles.insert(path)
            state.sparseFiles[path] = size
            state.statuses[path] = .found(inode: state.nextInode, isDirectory: false)
            state.nextInode += 1
            return false
        }
        if exists { throw FakeHostError(message: "\(path) already exists") }
    }

    public func fsync(_ path: String, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("fsync \(path)")
            return state.localFiles.contains(path) || state.statuses[path] != nil ? 0 : ENOENT
        }
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

    public func openFiles(onMount mountID: Int) -> Int {
        update { state in state.openFilesOnMount[mountID] ?? 0 }
    }

    public func processesUsing(_ path: String) -> [Int32] {
        update { state in
            state.calls.append("processesUsing \(path)")
            return state.processesUsing[path] ?? []
        }
    }

    /// Answers ``State/treeUsersAnswer`` when set, else the users of ``State/treeUsers`` whose tree is one of the
    /// query's; records the query (call `treeUsers TREE,TREE`).
    public func treeUsers(_ query: TreeUsageQuery) async -> [TreeUser] {
        let (users, answer) = update { state in
            state.calls.append("treeUsers \(query.trees.joined(separator: ","))")
            state.treeUsageQueries.append(query)
            return (state.treeUsers, state.treeUsersAnswer)
        }
        if let answer { return answer(query) }
        return users.filter { query.trees.contains($0.tree) }
    }

    /// The start time set for `pid` while it is alive, else `nil`.
    public func processStartTime(_ pid: Int32) -> UInt64? {
        update { state in
            state.calls.append("processStartTime \(pid)")
            return state.livePIDs.contains(pid) ? state.startTimes[pid] : nil
        }
    }

    // MARK: Trees

    /// Copies the tree at `source` (its `stat` answers, file contents and local files) to `destination`, giving
    /// every copied entry a new inode, as `juicefs clone` does. Not logged in ``State/calls``.
    ///
    /// - Returns: 0, `ENOENT` when `source` or the destination's directory is missing, `EEXIST` when `destination`
    ///   exists.
    @discardableResult
    public func copyTree(_ source: String, to destination: String) -> Int32 {
        update { state in
            guard state.statuses[source] != nil || state.localFiles.contains(source) else { return ENOENT }
            guard Self.isDirectory(Self.parent(of: destination), in: state) else { return ENOENT }
            guard state.statuses[destination] == nil, !state.localFiles.contains(destination) else { return EEXIST }
            func under(_ key: String) -> Bool { key == source || key.hasPrefix(source + "/") }
            func moved(_ key: String) -> String { destination + key.dropFirst(source.count) }
            for key in state.statuses.keys.sorted() where under(key) {
                switch state.statuses[key] {
                case .found(_, let isDirectory)?:
                    state.statuses[moved(key)] = .found(inode: state.nextInode, isDirectory: isDirectory)
                    state.nextInode += 1
                case let other?:
                    state.statuses[moved(key)] = other
                case nil:
                    break
                }
            }
            for (key, value) in state.fileContents where under(key) { state.fileContents[moved(key)] = value }
            for key in state.localFiles where under(key) { state.localFiles.insert(moved(key)) }
            // Tree entries are copied as juicefs clone copies them: every name a file of its own (links broken).
            for key in state.treeEntries.keys.sorted() where under(key) {
                var copy = state.treeEntries[key]!
                copy.inode = state.nextInode
                state.nextInode += 1
                if copy.kind != .directory { copy.linkCount = 1 }
                state.treeEntries[moved(key)] = copy
            }
            return 0
        }
    }

    /// Removes `path` and everything under it (`stat` answers, file contents, local files), as `juicefs rmr`
    /// does. Not logged in ``State/calls``.
    ///
    /// - Returns: whether anything was there.
    @discardableResult
    public func removeTree(_ path: String) -> Bool {
        update { Self.removeTree(path, in: &$0) }
    }

    /// The paths at or under `path` with a `stat` answer or contents, sorted.
    public func paths(under path: String) -> [String] {
        let state = snapshot
        let all = Set(state.statuses.keys).union(state.fileContents.keys).union(state.localFiles)
        return all.filter { $0 == path || $0.hasPrefix(path + "/") }.sorted()
    }

    /// The path whose `stat` answer has `inode`, if any (the first in sorted order).
    public func path(ofInode inode: UInt64) -> String? {
        let state = snapshot
        return state.statuses.keys.sorted().first { key in
            if case .found(let found, _)? = state.statuses[key] { return found == inode }
            return false
        }
    }

    /// The inode `stat(path)` answers, if it finds something.
    public func inode(of path: String) -> UInt64? {
        if case .found(let inode, _)? = snapshot.statuses[path] { return inode }
        return nil
    }

    /// The text of the contents `readFile(path)` returns, if any.
    public func text(of path: String) -> String? {
        snapshot.fileContents[path].map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: Helpers

    private static func isDirectory(_ path: String, in state: State) -> Bool {
        if case .found(_, true)? = state.statuses[path] { return true }
        return false
    }

    private static func removeTree(_ path: String, in state: inout State) -> Bool {
        func under(_ key: String) -> Bool { key == path || key.hasPrefix(path + "/") }
        var existed = false
        for key in state.statuses.keys where under(key) {
            state.statuses.removeValue(forKey: key)
            existed = true
        }
        for key in state.fileContents.keys where under(key) {
            state.fileContents.removeValue(forKey: key)
            existed = true
        }
        for key in state.localFiles where under(key) {
            state.localFiles.remove(key)
            existed = true
        }
        for key in state.treeEntries.keys where under(key) {
            state.treeEntries.removeValue(forKey: key)
            existed = true
        }
        return existed
    }

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
