internal import CJuiceCtlShims
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// The tree calls of ``LiveHost``: every path below the root is resolved name by name with `openat(2)` relative to
/// the directory before it, each directory opened `O_PATH | O_NOFOLLOW`, so a symbolic link anywhere below the root
/// stops the call (`ENOTDIR`) instead of being followed; the last name is acted on with the `*at` calls and
/// `AT_SYMLINK_NOFOLLOW`. The walk opens its directories `O_RDONLY | O_NOFOLLOW` to read them.
extension LiveHost {
    package func linkedFiles(under root: String, deadline: Duration) async -> LinkedFilesWalk {
        let end = clock.now() + deadline
        // The walk watches its own deadline between directories; the outer one covers a call that hangs.
        return await Deadline.run(deadline + .seconds(5), clock: clock) {
            LinkedFileWalker(until: end, clock: clock).walk(root)
        } ?? .timedOut
    }

    package func withTreeCalls<T: Sendable>(
        below root: String, deadline: Duration,
        _ body: @escaping @Sendable (any TreeCalls) -> T
    ) async -> T? {
        let end = clock.now() + deadline
        return await Deadline.run(deadline, clock: clock) {
            let calls = LiveTreeCalls(root: root, until: end, clock: clock)
            defer { calls.close() }
            return body(calls)
        }
    }
}

/// The tree calls of one session on one thread. Each directory on the way is opened once, name by name from the root
/// with `O_PATH | O_NOFOLLOW`, and kept open for the session's later calls; a call after the session's deadline fails
/// with `ETIMEDOUT` at once.
final class LiveTreeCalls: TreeCalls {
    private let root: String
    /// A reading of `clock`'s monotonic time.
    private let end: Duration
    private let clock: HostClock
    private var directories: [TreePath: Int32] = [:]

    init(root: String, until end: Duration, clock: HostClock) {
        self.root = root
        self.end = end
        self.clock = clock
    }

    func close() {
        for descriptor in directories.values { Glibc.close(descriptor) }
        directories = [:]
    }

    func status(_ path: TreePath) -> EntryLookup {
        guard clock.now() < end else { return .failed(errno: ETIMEDOUT) }
        var info = Glibc.stat()
        if path.isRoot { return lstat(root, &info) == 0 ? .found(EntryStatus(info)) : .failed(errno: errno) }
        let code = inParent(of: path) { directory, name in fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno }
        return code == 0 ? .found(EntryStatus(info)) : .failed(errno: code)
    }

    func link(_ existing: TreePath, as newPath: TreePath) -> Int32 {
        guard clock.now() < end else { return ETIMEDOUT }
        guard !existing.isRoot, !newPath.isRoot else { return EINVAL }
        return inParent(of: existing) { from, old in
            inParent(of: newPath) { to, new in linkat(from, old, to, new, 0) == 0 ? 0 : errno }
        }
    }

    func rename(_ source: TreePath, over destination: TreePath) -> Int32 {
        guard clock.now() < end else { return ETIMEDOUT }
        guard !source.isRoot, !destination.isRoot else { return EINVAL }
        return inParent(of: source) { from, old in
            inParent(of: destination) { to, new in renameat(from, old, to, new) == 0 ? 0 : errno }
        }
    }

    func setTimes(_ path: TreePath, accessed: FileTime, modified: FileTime) -> Int32 {
        guard clock.now() < end else { return ETIMEDOUT }
        var times = [
            timespec(tv_sec: Int(accessed.seconds), tv_nsec: Int(accessed.nanoseconds)),
            timespec(tv_sec: Int(modified.seconds), tv_nsec: Int(modified.nanoseconds)),
        ]
        if path.isRoot { return utimensat(AT_FDCWD, root, &times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno }
        return inParent(of: path) { directory, name in utimensat(directory, name, &times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno }
    }

    /// Runs `body` with the descriptor of the directory holding `path`'s last name and that name as a C string; or the
    /// errno of the first name on the way that cannot be opened as a directory.
    private func inParent(of path: TreePath, _ body: (Int32, UnsafePointer<CChar>) -> Int32) -> Int32 {
        let (directory, code) = descriptor(of: path.parent)
        guard code == 0 else { return code }
        return withName(path.name) { body(directory, $0) }
    }

    /// The open `O_PATH` descriptor of the directory at `path`, or the errno that stopped it.
    private func descriptor(of path: TreePath) -> (Int32, Int32) {
        if let open = directories[path] { return (open, 0) }
        let (opened, code): (Int32, Int32)
        if path.isRoot {
            let descriptor = cjuicectl_open_directory_path(AT_FDCWD, root)
            (opened, code) = (descriptor, descriptor >= 0 ? 0 : errno)
        } else {
            let (parent, failure) = descriptor(of: path.parent)
            guard failure == 0 else { return (-1, failure) }
            (opened, code) = withName(path.name) { name in
                let descriptor = cjuicectl_open_directory_path(parent, name)
                return (descriptor, descriptor >= 0 ? 0 : errno)
            }
        }
        guard opened >= 0 else { return (-1, code) }
        directories[path] = opened
        return (opened, 0)
    }
}

/// Runs `body` with `name` as a NUL-terminated C string.
func withName<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
    (name + [0]).withUnsafeBufferPointer { bytes in
        bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { body($0) }
    }
}

extension EntryStatus {
    /// The status of what `lstat` filled in.
    init(_ info: Glibc.stat) {
        let kind: Kind =
            switch info.st_mode & S_IFMT {
            case S_IFREG: .regular
            case S_IFDIR: .directory
            case S_IFLNK: .symbolicLink
            default: .other
            }
        self.init(
            kind: kind, inode: UInt64(info.st_ino), linkCount: UInt64(info.st_nlink), mode: UInt32(info.st_mode & 0o7777),
            uid: info.st_uid, gid: info.st_gid, size: Int64(info.st_size),
            accessed: FileTime(seconds: Int64(info.st_atim.tv_sec), nanoseconds: Int64(info.st_atim.tv_nsec)),
            modified: FileTime(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec)))
    }
}

/// One walk for ``LiveHost/linkedFiles(under:deadline:)``, on one thread: each directory is read whole and closed
/// before its subdirectories are visited, so open descriptors grow with the depth only (one per level).
private final class LinkedFileWalker {
    /// A reading of `clock`'s monotonic time.
    private let end: Duration
    private let clock: HostClock
    private var found: [LinkedFile] = []
    private var device: UInt = 0

    init(until end: Duration, clock: HostClock) {
        self.end = end
        self.clock = clock
    }

    func walk(_ root: String) -> LinkedFilesWalk {
        let directory = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return .failed(errno: errno, at: .root) }
        defer { close(directory) }
        var info = Glibc.stat()
        guard fstat(directory, &info) == 0 else { return .failed(errno: errno, at: .root) }
        device = UInt(info.st_dev)
        if let failure = visit(directory, .root) { return failure }
        return .found(found)
    }

    /// Reads one directory; `nil` when it and everything below went well.
    private func visit(_ directory: Int32, _ path: TreePath) -> LinkedFilesWalk? {
        guard clock.now() < end else { return .timedOut }
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            return .failed(errno: code, at: path)
        }
        var subdirectories: [[UInt8]] = []
        var failure: LinkedFilesWalk?
        while failure == nil, let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            let type = Int32(entry.pointee.d_type)
            if type == Int32(DT_DIR) {
                subdirectories.append(name)
            } else if type == Int32(DT_REG) || type == Int32(DT_UNKNOWN) {
                var info = Glibc.stat()
                let code = withName(name) { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno }
                guard code == 0 else {
                    // Removed since the listing: nothing to record.
                    if code != ENOENT { failure = .failed(errno: code, at: path) }
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFREG where info.st_nlink > 1:
                    if let file = path.appending(name) { found.append(LinkedFile(path: file, inode: UInt64(info.st_ino))) }
                case S_IFDIR:
                    subdirectories.append(name)
                default:
                    break
                }
            }
        }
        closedir(stream)
        if let failure { return failure }
        for name in subdirectories {
            guard let child = path.appending(name) else { continue }
            let (descriptor, code) = withName(name) { name in
                let descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                return (descriptor, descriptor >= 0 ? 0 : errno)
            }
            guard descriptor >= 0 else {
                // Removed, or replaced by something that is no directory (a link is never followed), since the listing.
                if code == ENOENT || code == ENOTDIR || code == ELOOP { continue }
                return .failed(errno: code, at: child)
            }
            defer { close(descriptor) }
            var info = Glibc.stat()
            guard fstat(descriptor, &info) == 0 else { return .failed(errno: errno, at: child) }
            // Another filesystem mounted inside the tree is not part of it (a clone does not enter it either).
            guard UInt(info.st_dev) == device else { continue }
            if let failure = visit(descriptor, child) { return failure }
        }
        return nil
    }
}
