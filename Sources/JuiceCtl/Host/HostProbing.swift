package import Foundation
package import JuiceCtlCore

/// The result of a `stat` that may hang.
package enum PathStatus: Sendable, Hashable {
    /// It answered.
    case found(inode: UInt64, isDirectory: Bool)
    /// It failed with this errno.
    case failed(errno: Int32, message: String)
    /// It did not answer within the deadline.
    case timedOut
}

/// `statfs` figures of a path.
package struct FilesystemStats: Sendable, Hashable {
    /// Fragment size.
    package var blockSize: UInt64
    /// Total blocks.
    package var blocks: UInt64
    /// Free blocks.
    package var freeBlocks: UInt64
    /// Total inodes.
    package var files: UInt64
    /// Free inodes.
    package var freeFiles: UInt64

    /// Creates figures.
    package init(blockSize: UInt64, blocks: UInt64, freeBlocks: UInt64, files: UInt64, freeFiles: UInt64) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
        self.files = files
        self.freeFiles = freeFiles
    }

    /// Total bytes.
    package var totalBytes: UInt64 { blocks * blockSize }
}

/// Everything juicectl reads from or writes to the host without running a program. Calls that touch a FUSE mount
/// take a deadline. A fake implementation lets observers and executors run in tests without root.
package protocol HostProbing: VolumeCalling, SpecFileAccess {
    /// The text of `/proc/self/mountinfo`.
    func mountInfo() throws -> String
    /// `stat` with a deadline.
    func stat(_ path: String, deadline: Duration) async -> PathStatus
    /// The first component of `path` below `root` (`root` itself not counted) that is a symbolic link, by `lstat`
    /// with a deadline; `nil` when there is none, a component does not exist yet, or the deadline passed.
    func symbolicLink(in path: String, below root: String, deadline: Duration) async -> String?
    /// `statfs` with a deadline; `nil` on error or timeout.
    func statfs(_ path: String, deadline: Duration) async -> FilesystemStats?
    /// A file's bytes, read with a deadline; `nil` on error or timeout.
    func readFile(_ path: String, deadline: Duration) async -> Data?
    /// A file's bytes, read with a deadline, telling an error the filesystem returned from no answer at all.
    func readFileAnswer(_ path: String, deadline: Duration) async -> FileReadAnswer
    /// Creates one directory (not its parents) with a deadline; returns the errno on failure, 0 on success,
    /// `EEXIST` when something is already there, `ETIMEDOUT` when the deadline passed.
    func makeDirectory(_ path: String, mode: UInt16, deadline: Duration) async -> Int32
    /// The names in a directory on the volume, with a deadline; `nil` on error or timeout.
    func listDirectory(_ path: String, deadline: Duration) async -> [String]?
    /// The names in a directory with the inode number each entry has in the directory itself (`d_ino`, no `stat`),
    /// with a deadline; `nil` on error or timeout. An inode is `nil` where the host cannot tell.
    func listDirectoryInodes(_ path: String, deadline: Duration) async -> [String: UInt64?]?
    /// `renameat2(2)` with a deadline: a plain rename, one that refuses to replace, or an atomic exchange of two
    /// paths. Returns 0 or the errno (`ETIMEDOUT` when the deadline passed).
    func rename(_ source: String, to destination: String, mode: RenameMode, deadline: Duration) async -> Int32
    /// Attached loop devices and the files backing them (from `/sys/block/loop*/loop/backing_file`).
    func loopDevices() -> [LoopDevice]
    /// Creates a sparse file of `size` bytes; fails when something is already there (never overwrites).
    func createSparseFile(_ path: String, size: UInt64) throws
    /// `fsync(2)` of a file, with a deadline; 0 or the errno (`ETIMEDOUT` when the deadline passed).
    func fsync(_ path: String, deadline: Duration) async -> Int32
    /// When a local file was last modified.
    func modificationDate(_ path: String) -> Date?
    /// Every process's pid and command line (from `/proc`).
    func processes() -> [Int32: [String]]
    /// Sends a signal to a process; whether it was delivered.
    func signal(_ pid: Int32, _ signal: Int32) -> Bool
    /// Whether a file exists on a local filesystem (never used on the FUSE mount).
    func fileExists(_ path: String) -> Bool
    /// Creates a local directory and its parents with `mode`.
    func createLocalDirectory(_ path: String, mode: UInt16) throws
    /// The names in a local directory, or `nil` when it cannot be listed.
    func contentsOfDirectory(_ path: String) -> [String]?
    /// A local file's bytes, or `nil`.
    func readLocalFile(_ path: String) -> Data?
    /// Replaces a local file atomically (temporary file, fsync, rename).
    func writeLocalFile(_ path: String, _ data: Data, mode: UInt16) throws
    /// Replaces a local file atomically; with `durable: false` without the fsyncs (the rename still makes the change
    /// all-or-nothing for readers), for files rewritten often whose loss in a power cut costs nothing.
    func writeLocalFile(_ path: String, _ data: Data, mode: UInt16, durable: Bool) throws
    /// The size of a local file in bytes, or `nil` when there is none.
    func localFileSize(_ path: String) -> UInt64?
    /// Appends `data` to a local file (created with `mode`) in one write and fsyncs it. When the file does not end in
    /// a newline (a line torn by a crash), one is written first, so that `data` starts a line of its own. Returns
    /// whether everything was written and synced.
    func appendLocalLines(_ path: String, _ data: Data, mode: UInt16) -> Bool
    /// Runs `body` holding an exclusive `flock(2)` on the local file at `path` (created 0600), waiting as long as
    /// another holder keeps it; `nil` when the file cannot be opened or locked.
    func withLocalFileLock<T>(_ path: String, _ body: () -> T) -> T?
    /// Replaces a file atomically, with a deadline, for a file other hosts may write too (a shared replica
    /// directory): a temporary file beside it with a random name, created exclusively (`O_EXCL`, no symbolic link
    /// followed) with `mode`, written, fsynced, renamed over `path` (unless the deadline passed by then), and the
    /// directory fsynced. Returns 0 or the errno (`ETIMEDOUT` when the deadline passed; the temporary file is removed).
    func replaceFile(_ path: String, with data: Data, mode: UInt16, deadline: Duration) async -> Int32
    /// Renames a local file.
    func moveLocalItem(_ source: String, to destination: String) throws
    /// Removes a local file.
    func removeLocalItem(_ path: String) throws
    /// The command line of a process, or `nil` when it is gone.
    func commandLine(of pid: Int32) -> [String]?
    /// Whether a process exists.
    func isAlive(_ pid: Int32) -> Bool
    /// Processes whose working directory or open files lie under `path` (for "busy" messages).
    func processesUsing(_ path: String) -> [Int32]
    /// How many open file descriptors, of every process, are on the mount with this id (`mnt_id` in
    /// `/proc/<pid>/fdinfo/<fd>`; it also counts files of a mount that was detached lazily).
    func openFiles(onMount mountID: Int) -> Int
    /// The text of a kernel control file (cgroupfs, procfs: their sizes read as 0, so it is read to end of file);
    /// `nil` when it cannot be read.
    func readControlFile(_ path: String) -> String?
    /// Writes `text` to an existing kernel control file (never creates one, never follows a symbolic link at the
    /// last component); 0 or the errno.
    func writeControlFile(_ path: String, _ text: String) -> Int32
    /// Takes an exclusive `flock` on the local file at `path` (created 0600, its directory 0700), waiting up to
    /// `timeout`; the kernel releases it when the process dies.
    ///
    /// - Throws: ``VolumeLock/Busy`` naming the holder when the timeout passes.
    func exclusiveLock(_ path: String, operation: String, timeout: Duration) async throws -> any HeldLock
    /// Everything that uses one of `query`'s trees, in any mount namespace of the host: processes (working
    /// directory, root directory, open files, memory maps; one user per process and tree) and mounts (bind mounts
    /// of a directory inside a tree, mounts of the query's devices, mounts made onto a directory inside a tree),
    /// juicectl's own process and its own mounts left out. Never sends a request to the FUSE mount, so a hung
    /// mount cannot hang it. A reference whose path on the volume cannot be worked out counts, with
    /// ``TreeUser/volumePath`` `nil`: better to refuse a restore than to swap a tree from under a user. Processes
    /// that exit meanwhile and files that cannot be read are skipped.
    func treeUsers(_ query: TreeUsageQuery) async -> [TreeUser]
    /// When a process started, in clock ticks after boot (field 22 of `/proc/PID/stat`), or `nil` when it is gone.
    /// A pid with another start time than before is another process: compare before signalling.
    func processStartTime(_ pid: Int32) -> UInt64?

    // Trees on the volume, by paths relative to a root, never through or on a symbolic link below the root.

    /// Every regular file with more than one name under `root`, by an `lstat` walk that follows no symbolic link and
    /// stays on `root`'s filesystem, with a deadline.
    func linkedFiles(under root: String, deadline: Duration) async -> LinkedFilesWalk
    /// Runs `body` on a thread of its own with ``TreeCalls`` below `root`, and returns what it returns; `nil` when it
    /// has not returned within `deadline` (calls made after the deadline fail with `ETIMEDOUT`).
    ///
    /// One session makes many calls for the cost of one thread: a call through the deadline machinery costs a thread
    /// and two context switches, more than a `link(2)` on the mount.
    func withTreeCalls<T: Sendable>(below root: String, deadline: Duration, _ body: @escaping @Sendable (any TreeCalls) -> T) async -> T?
}

/// A lock held until ``release()`` (or the holder's death).
package protocol HeldLock: Sendable {
    /// Lets go of the lock; a second call does nothing.
    func release()
}

/// How ``HostProbing/rename(_:to:mode:deadline:)`` treats the destination.
package enum RenameMode: Sendable, Hashable {
    /// `rename(2)`: replaces an empty directory or a file.
    case replace
    /// `RENAME_NOREPLACE`: fails with `EEXIST` when the destination exists.
    case noReplace
    /// `RENAME_EXCHANGE`: both paths must exist and swap atomically.
    case exchange
}

/// A loop device and its backing file.
package struct LoopDevice: Sendable, Hashable {
    /// `/dev/loopN`.
    package var device: String
    /// The file behind it, as the kernel names it now (it follows renames).
    package var backingFile: String
    /// The backing file's inode number, when the device answers. On a network filesystem the path may lag behind
    /// another client's rename, the inode does not.
    package var backingInode: UInt64?

    /// Creates a description.
    package init(device: String, backingFile: String, backingInode: UInt64? = nil) {
        self.device = device
        self.backingFile = backingFile
        self.backingInode = backingInode
    }
}

extension HostProbing {
    /// Names only, from ``listDirectory(_:deadline:)``: every inode unknown.
    package func listDirectoryInodes(_ path: String, deadline: Duration) async -> [String: UInt64?]? {
        await listDirectory(path, deadline: deadline).map {
            Dictionary($0.map { ($0, UInt64?.none) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
