package import Foundation
package import JuiceCtl
package import JuiceCtlCore
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
///
/// The calls live by kind: `FakeHost+Setup` (what a test sets), `+Paths`, `+LocalFiles`, `+Kernel`, `+Contents`,
/// `+Trees`, `+Volume` and `+Cgroups`.
package final class FakeHost: HostProbing {
    /// Everything the fake knows, as plain data.
    package struct State: Sendable {
        /// The text ``FakeHost/mountInfo()`` returns.
        package var mountInfo = ""
        /// When set, ``FakeHost/mountInfo()`` throws a ``FakeHostError`` with this message.
        package var mountInfoFailure: String?
        /// `stat` answers by path.
        package var statuses: [String: PathStatus] = [:]
        /// `statfs` figures by path.
        package var filesystemStats: [String: FilesystemStats] = [:]
        /// File contents by path (for `<mount>/.config`).
        package var fileContents: [String: Data] = [:]
        /// Reads of these paths get no answer (``FakeHost/readFileAnswer(_:deadline:)`` times out, `readFile` is `nil`).
        package var unansweredReads: Set<String> = []
        /// Reads of these paths fail with the errno given.
        package var failingReads: [String: Int32] = [:]
        /// Paths that exist on local filesystems (``FakeHost/fileExists(_:)``).
        package var localFiles: Set<String> = []
        /// `createLocalDirectory` fails for these paths with the message given.
        package var localDirectoryFailures: [String: String] = [:]
        /// Command lines by PID.
        package var commandLines: [Int32: [String]] = [:]
        /// PIDs that are alive.
        package var livePIDs: Set<Int32> = []
        /// `mkdir` answers by path (an errno, 0 for success), instead of the default behaviour.
        package var mkdirResults: [String: Int32] = [:]
        /// What ``FakeHost/processesUsing(_:)`` answers, by path.
        package var processesUsing: [String: [Int32]] = [:]
        /// Open files by mount id.
        package var openFilesOnMount: [Int: Int] = [:]
        /// Directories `makeDirectory` created, in order.
        package var createdDirectories: [String] = []
        /// Directories `createLocalDirectory` was asked for, in order.
        package var createdLocalDirectories: [String] = []
        /// Every call, in order: `stat /path`, `statfs /path`, `readFile /path`, `mkdir /path`, `mountInfo`, ...
        package var calls: [String] = []
        /// The inode the next created directory gets.
        package var nextInode: UInt64 = 1000
        /// Attached loop devices.
        package var loopDevices: [LoopDevice] = []
        /// Sizes of sparse files created.
        package var sparseFiles: [String: UInt64] = [:]
        /// Modification dates of local files.
        package var modificationDates: [String: Date] = [:]
        /// Signals sent, as (pid, signal).
        package var signals: [(Int32, Int32)] = []
        /// The mode each local file was last written with.
        package var fileModes: [String: UInt16] = [:]
        /// Paths that are symbolic links (for ``symbolicLink(in:below:deadline:)``).
        package var symbolicLinks: Set<String> = []
        /// PIDs that survive SIGTERM (only SIGKILL ends them).
        package var ignoringSIGTERM: Set<Int32> = []
        /// cgroup directories whose freeze never completes (a task stuck in uninterruptible sleep): v1 stays
        /// `FREEZING`, v2 keeps `frozen 0`.
        package var unfreezableCgroups: Set<String> = []
        /// The users ``FakeHost/treeUsers(_:)`` knows of; it answers those whose tree is one of the query's
        /// (unless ``treeUsersAnswer`` is set).
        package var treeUsers: [TreeUser] = []
        /// When set, ``FakeHost/treeUsers(_:)`` answers this instead (it may look at the query, or at a counter to
        /// answer differently on a second scan).
        package var treeUsersAnswer: (@Sendable (TreeUsageQuery) -> [TreeUser])?
        /// Every query ``FakeHost/treeUsers(_:)`` was asked, in order.
        package var treeUsageQueries: [TreeUsageQuery] = []
        /// Start times by PID (``FakeHost/processStartTime(_:)`` answers them while the process is alive).
        package var startTimes: [Int32: UInt64] = [:]
        /// What the tree calls (``FakeHost/linkedFiles(under:deadline:)``, ``FakeHost/entryStatus(_:below:deadline:)``,
        /// link, rename over, set times) see, by host path (``FakeHost/treeKey(_:below:)``); see `FakeHost+Trees`.
        package var treeEntries: [String: EntryStatus] = [:]
        /// `replaceFile` answers by path (an errno), instead of writing the file.
        package var replaceFileResults: [String: Int32] = [:]
        /// What `lstat` through descriptors shows for juicectl's entries on a fake volume, by host path, where a test
        /// says (another owner, a loose mode); elsewhere it is made up from ``statuses`` and ``symbolicLinks``.
        package var guardedEntries: [String: GuardedEntry] = [:]
        /// Files in `/tmp` (by name) that ``FakeHost/removeRootOwnedFile(named:in:)`` finds not to be regular files
        /// owned by root, so it leaves them.
        package var foreignTemporaryFiles: Set<String> = []
        /// Locks another process holds, by lock file, with the holder its file names (`nil`: it names none):
        /// ``FakeHost/exclusiveLock(_:operation:timeout:)`` on one of them throws ``VolumeLock/Busy``.
        package var locksHeldElsewhere: [String: VolumeLock.Holder?] = [:]
        /// The locks taken through ``FakeHost/exclusiveLock(_:operation:timeout:)`` and not released yet, by lock file,
        /// with the operation each was taken for.
        package var heldLocks: [String: String] = [:]

        /// An empty host: no mounts, no files, no processes.
        package init() {}
    }

    private let state: Mutex<State>

    /// Creates a host in `state` (empty by default).
    package init(_ state: State = State()) {
        self.state = Mutex(state)
    }

    /// Reads or changes the state atomically.
    @discardableResult
    package func update<R: Sendable>(_ body: (inout State) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// A copy of the current state.
    package var snapshot: State { state.withLock { $0 } }

    /// Every call so far, in order (see ``State/calls``).
    package var calls: [String] { snapshot.calls }

    /// Directories `makeDirectory` created, in order.
    package var createdDirectories: [String] { snapshot.createdDirectories }

    /// Directories `createLocalDirectory` was asked for, in order.
    package var createdLocalDirectories: [String] { snapshot.createdLocalDirectories }

    // MARK: Helpers (for the extensions)

    /// Whether `path` has a `stat` answer as a directory.
    static func isDirectory(_ path: String, in state: State) -> Bool {
        if case .found(_, true)? = state.statuses[path] { return true }
        return false
    }

    /// Removes `path` and everything under it from `state`; whether anything was there.
    static func removeTree(_ path: String, in state: inout State) -> Bool {
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

    /// The `stat` answer of a path the fake does not know.
    static let noSuchFile = PathStatus.failed(errno: ENOENT, message: "No such file or directory")

    /// Makes `path` a new directory (with the next inode), listed in ``State/createdDirectories``.
    static func create(_ path: String, in state: inout State) {
        state.statuses[path] = .found(inode: state.nextInode, isDirectory: true)
        state.nextInode += 1
        state.createdDirectories.append(path)
    }

    /// The directory `path` is in.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
