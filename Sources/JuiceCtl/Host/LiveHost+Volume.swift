internal import CJuiceCtlShims
package import Foundation
package import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// ``VolumeCalling`` on the real host: descriptors from the mount root down, each of juicectl's directories checked by
/// `fstat` of the descriptor that later calls use (see ``VolumeDescriptors``).
extension LiveHost {
    package func guardedEntries(_ paths: [String], below root: String, deadline: Duration) async -> VolumeGuardObservation? {
        await Deadline.run(deadline, clock: clock) { () -> VolumeGuardObservation? in
            guard let walk = VolumeDescriptors(root: root), let rootEntry = walk.rootEntry() else { return nil }
            var entries: [String: GuardedEntry] = [:]
            for path in paths {
                guard case .success(let (directory, name)) = walk.parent(of: path) else { continue }
                var info = Glibc.stat()
                guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                entries[path] = GuardedEntry(path: path, info)
            }
            return VolumeGuardObservation(root: rootEntry, entries: entries)
        } ?? nil
    }

    package func readVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeFileRead {
        await Deadline.run(deadline, clock: clock) { () -> VolumeFileRead in
            guard let walk = VolumeDescriptors(root: root) else { return .failed(errno: errno) }
            let (directory, name): (Int32, String)
            switch walk.parent(of: path) {
            case .success(let found): (directory, name) = found
            case .failure(let failure): return failure.read
            }
            let fd = cjuicectl_open_beneath(directory, name, O_RDONLY | O_NONBLOCK, 0)
            guard fd >= 0 else { return .failed(errno: errno) }
            defer { close(fd) }
            var info = Glibc.stat()
            guard fstat(fd, &info) == 0 else { return .failed(errno: errno) }
            guard info.st_mode & S_IFMT == S_IFREG else { return .failed(errno: EINVAL) }
            var bytes = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    return .failed(errno: errno)
                }
                if count == 0 { return .contents(bytes) }
                bytes.append(contentsOf: buffer[0..<count])
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func writeVolumeFile(_ path: String, _ data: Data, mode: UInt16, below root: String, deadline: Duration) async
        -> VolumeCallResult
    {
        let end = clock.now() + deadline
        return await Deadline.run(deadline, clock: clock) { () -> VolumeCallResult in
            VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                let temporary = ".\(name).tmp-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
                let fd = cjuicectl_open_beneath(directory, temporary, O_WRONLY | O_CREAT | O_EXCL, UInt32(mode))
                guard fd >= 0 else { return errno }
                let failed = writeSynced(fd, data, mode: mode)
                close(fd)
                // A rename after the deadline would land when the caller no longer expects it.
                if let failed = failed ?? (clock.now() < end ? nil : ETIMEDOUT) {
                    unlinkat(directory, temporary, 0)
                    return failed
                }
                guard renameat(directory, temporary, directory, name) == 0 else {
                    let code = errno
                    unlinkat(directory, temporary, 0)
                    return code
                }
                VolumeDescriptors.syncDirectory(directory)
                return 0
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func makeVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult {
        await Deadline.run(deadline, clock: clock) { () -> VolumeCallResult in
            VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                guard mkdirat(directory, name, mode_t(mode)) == 0 else { return errno }
                // Exactly `mode`, whatever the umask, on the directory just made (a name swapped meanwhile is not
                // followed: the handle is opened without following, and a link there fails).
                let entry = cjuicectl_open_directory_path(directory, name)
                guard entry >= 0 else { return errno }
                defer { close(entry) }
                return cjuicectl_set_owner_and_mode(entry, 0, 0, UInt32(mode)) == 0 ? 0 : errno
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func removeVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeCallResult {
        await Deadline.run(deadline, clock: clock) { () -> VolumeCallResult in
            VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                unlinkat(directory, name, 0) == 0 ? 0 : errno
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func renameOnVolume(
        _ source: String, to destination: String, mode: RenameMode, below root: String,
        deadline: Duration
    ) async -> VolumeCallResult {
        let flags: UInt32 =
            switch mode {
            case .replace: 0
            case .noReplace: 1
            case .exchange: 2
            }
        return await withParents(of: source, destination, below: root, deadline: deadline) { from, to in
            cjuicectl_renameat2_at(from.0, from.1, to.0, to.1, flags) == 0 ? .done : .failed(errno: errno)
        }
    }

    /// Runs `body` on the descriptors of the parent directories of `source` and `destination` (with each one's last
    /// name), both reached from `root` without following a link, within `deadline`.
    private func withParents(
        of source: String, _ destination: String, below root: String, deadline: Duration,
        _ body: @escaping @Sendable (_ from: (Int32, String), _ to: (Int32, String)) -> VolumeCallResult
    ) async -> VolumeCallResult {
        await Deadline.run(deadline, clock: clock) { () -> VolumeCallResult in
            guard let walk = VolumeDescriptors(root: root) else { return .failed(errno: errno) }
            switch walk.parents(of: source, destination) {
            case .success(let (from, to)): return body(from, to)
            case .failure(let failure): return failure.result
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func copyVolumeOwnership(
        from source: String, to destination: String, below root: String,
        deadline: Duration
    ) async -> VolumeCallResult {
        await withParents(of: source, destination, below: root, deadline: deadline) { from, to in
            var info = Glibc.stat()
            guard fstatat(from.0, from.1, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .failed(errno: errno) }
            guard info.st_mode & S_IFMT != S_IFLNK else { return .failed(errno: ELOOP) }
            return VolumeDescriptors.setOwnership(in: to.0, to.1, uid: info.st_uid, gid: info.st_gid, mode: info.st_mode & 0o7777)
        }
    }

    package func secureVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult {
        await Deadline.run(deadline, clock: clock) { () -> VolumeCallResult in
            guard let walk = VolumeDescriptors(root: root) else { return .failed(errno: errno) }
            if path == "/" || path.isEmpty {
                return cjuicectl_set_owner_and_mode(walk.root, 0, 0, UInt32(mode)) == 0 ? .done : .failed(errno: errno)
            }
            switch walk.parent(of: path) {
            case .failure(let failure): return failure.result
            case .success(let (directory, name)):
                // The entry itself must be a directory: O_DIRECTORY | O_NOFOLLOW refuses a link or a file.
                let entry = cjuicectl_open_directory_path(directory, name)
                guard entry >= 0 else { return .failed(errno: errno) }
                defer { close(entry) }
                return cjuicectl_set_owner_and_mode(entry, 0, 0, UInt32(mode)) == 0 ? .done : .failed(errno: errno)
            }
        } ?? .failed(errno: ETIMEDOUT)
    }

    package func createVolumeFile(
        _ path: String, size: UInt64, below root: String,
        deadline: Duration
    ) async -> Result<OpenVolumeFile, VolumeCallFailure> {
        let operation = "create \(path)"
        let opened =
            await Deadline.run(deadline, clock: clock) { () -> Result<Int32, VolumeCallFailure> in
                var descriptor: Int32 = -1
                let result = VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                    let fd = cjuicectl_open_beneath(directory, name, O_RDWR | O_CREAT | O_EXCL, 0o600)
                    guard fd >= 0 else { return errno }
                    guard ftruncate(fd, off_t(size)) == 0 else {
                        let code = errno
                        close(fd)
                        unlinkat(directory, name, 0)
                        return code
                    }
                    descriptor = fd
                    return 0
                }
                guard case .done = result else { return .failure(VolumeCallFailure(operation: operation, result: result)) }
                return .success(descriptor)
            } ?? .failure(VolumeCallFailure(operation: operation, result: .failed(errno: ETIMEDOUT)))
        return opened.map { OpenVolumeFile(descriptor: $0, procPath: "/proc/\(getpid())/fd/\($0)") }
    }

    package func attachLoopDevice(_ path: String, below root: String, deadline: Duration) async -> Result<
        AttachedLoopDevice, VolumeCallFailure
    > {
        let operation = "attach a loop device to \(path)"
        return await Deadline.run(deadline, clock: clock) { () -> Result<AttachedLoopDevice, VolumeCallFailure> in
            var attached: (Int32, Int32) = (-1, -1)
            let result = VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                let fd = cjuicectl_open_beneath(directory, name, O_RDWR, 0)
                guard fd >= 0 else { return errno }
                defer { close(fd) }
                var info = Glibc.stat()
                guard fstat(fd, &info) == 0 else { return errno }
                guard info.st_mode & S_IFMT == S_IFREG else { return EINVAL }
                var loop: Int32 = -1
                var number: Int32 = -1
                guard cjuicectl_loop_attach(fd, &loop, &number) == 0 else { return errno }
                attached = (loop, number)
                return 0
            }
            guard case .done = result else { return .failure(VolumeCallFailure(operation: operation, result: result)) }
            return .success(AttachedLoopDevice(device: "/dev/loop\(attached.1)", descriptor: attached.0))
        } ?? .failure(VolumeCallFailure(operation: operation, result: .failed(errno: ETIMEDOUT)))
    }

    package func volumeLock(_ path: String, below root: String, operation: String, timeout: Duration) async throws -> any HeldLock {
        let opened =
            await Deadline.run(.seconds(10), clock: clock) { () -> Result<Int32, VolumeCallFailure> in
                var descriptor: Int32 = -1
                let result = VolumeDescriptors.inParent(of: path, root: root) { directory, name in
                    let fd = cjuicectl_open_beneath(directory, name, O_RDWR | O_CREAT, 0o600)
                    guard fd >= 0 else { return errno }
                    var info = Glibc.stat()
                    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == 0, info.st_nlink == 1 else {
                        close(fd)
                        return EPERM
                    }
                    descriptor = fd
                    return 0
                }
                guard case .done = result else { return .failure(VolumeCallFailure(operation: "open the lock \(path)", result: result)) }
                return .success(descriptor)
            } ?? .failure(VolumeCallFailure(operation: "open the lock \(path)", result: .failed(errno: ETIMEDOUT)))
        return try await VolumeLock.acquire(
            descriptor: opened.get(), path: "\(root)\(path)", operation: operation, timeout: timeout, clock: clock)
    }

    package func removeRootOwnedFile(named name: String, in directory: String) -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = Glibc.stat()
        // In a sticky directory such as /tmp only the owner (root) can rename or remove a root-owned file, so it is
        // still the file just checked when it is unlinked; anything else (a directory, a link) is left alone.
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == 0 else { return false }
        return unlinkat(fd, name, 0) == 0
    }
}

extension GuardedEntry {
    /// The entry `fstat` or `lstat` described (its kind as ``EntryStatus`` reads it).
    init(path: String, _ info: Glibc.stat) {
        let status = EntryStatus(info)
        let kind: Kind =
            switch status.kind {
            case .directory: .directory
            case .regular: .regular
            case .symbolicLink: .symbolicLink
            case .other: .other
            }
        self.init(path: path, kind: kind, uid: status.uid, mode: status.mode, linkCount: status.linkCount)
    }
}

/// Why a walk did not reach a directory.
enum VolumeWalkFailure: Error {
    case failed(Int32)
    case unsafe(UnsafeVolumeEntry)

    var result: VolumeCallResult {
        switch self {
        case .failed(let code): .failed(errno: code)
        case .unsafe(let entry): .unsafe(entry)
        }
    }

    var read: VolumeFileRead {
        switch self {
        case .failed(let code): .failed(errno: code)
        case .unsafe(let entry): .unsafe(entry)
        }
    }
}

/// One walk from a mount root, on one thread: the root opened `O_PATH | O_DIRECTORY`, each directory below name by
/// name with `O_PATH | O_DIRECTORY | O_NOFOLLOW` relative to the one before, each of juicectl's directories checked
/// by `fstat` of that very descriptor. Descriptors stay open until the walk ends.
final class VolumeDescriptors {
    let root: Int32
    private var opened: [String: Int32] = [:]

    /// Opens the root; `nil` with errno set when it cannot be opened.
    init?(root path: String) {
        let fd = cjuicectl_open_path(path)
        guard fd >= 0 else { return nil }
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            close(fd)
            errno = ENOTDIR
            return nil
        }
        root = fd
    }

    deinit {
        for fd in opened.values { close(fd) }
        close(root)
    }

    /// The root's own entry.
    func rootEntry() -> GuardedEntry? {
        var info = Glibc.stat()
        guard fstat(root, &info) == 0 else { return nil }
        return GuardedEntry(path: "/", info)
    }

    /// The descriptor of the directory at volume path `path` (`/` or empty for the root).
    func directory(_ path: String) -> Result<Int32, VolumeWalkFailure> {
        let names = path.split(separator: "/").map(String.init)
        var current = root
        var walked = ""
        for name in names {
            walked += "/" + name
            if let known = opened[walked] {
                current = known
                continue
            }
            let fd = cjuicectl_open_directory_path(current, name)
            guard fd >= 0 else {
                let code = errno
                if VolumeLayout.isGuarded(walked), code == ENOTDIR || code == ELOOP {
                    var info = Glibc.stat()
                    if fstatat(current, name, &info, AT_SYMLINK_NOFOLLOW) == 0, let problem = GuardedEntry(path: walked, info).problem {
                        return .failure(.unsafe(UnsafeVolumeEntry(path: walked, problem: problem)))
                    }
                }
                return .failure(.failed(code))
            }
            opened[walked] = fd
            if VolumeLayout.isGuarded(walked) {
                var info = Glibc.stat()
                guard fstat(fd, &info) == 0 else { return .failure(.failed(errno)) }
                if let problem = GuardedEntry(path: walked, info).problem {
                    return .failure(.unsafe(UnsafeVolumeEntry(path: walked, problem: problem)))
                }
            }
            current = fd
        }
        return .success(current)
    }

    /// The descriptor of the directory holding `path`'s last name, and that name.
    func parent(of path: String) -> Result<(Int32, String), VolumeWalkFailure> {
        let names = path.split(separator: "/").map(String.init)
        guard let name = names.last else { return .failure(.failed(EINVAL)) }
        return directory(names.dropLast().joined(separator: "/")).map { ($0, name) }
    }

    /// ``parent(of:)`` of two paths (a rename's or a copy's source and destination): both, or the first failure.
    func parents(of first: String, _ second: String) -> Result<((Int32, String), (Int32, String)), VolumeWalkFailure> {
        parent(of: first).flatMap { a in parent(of: second).map { (a, $0) } }
    }

    /// Runs `body` with the parent directory's descriptor and the last name of `path`; its errno (0 for success) as
    /// a result.
    static func inParent(of path: String, root: String, _ body: (Int32, String) -> Int32) -> VolumeCallResult {
        guard let walk = VolumeDescriptors(root: root) else { return .failed(errno: errno) }
        switch walk.parent(of: path) {
        case .failure(let failure): return failure.result
        case .success(let (directory, name)):
            let code = body(directory, name)
            return code == 0 ? .done : .failed(errno: code)
        }
    }

    /// Sets owner, group and mode of the entry `name` in `directory`, through an `O_PATH | O_NOFOLLOW` handle: a
    /// symbolic link fails with `ELOOP` and is never changed or followed.
    static func setOwnership(in directory: Int32, _ name: String, uid: uid_t, gid: gid_t, mode: mode_t) -> VolumeCallResult {
        let entry = cjuicectl_open_entry_path(directory, name)
        guard entry >= 0 else { return .failed(errno: errno) }
        defer { close(entry) }
        var info = Glibc.stat()
        guard fstat(entry, &info) == 0 else { return .failed(errno: errno) }
        guard info.st_mode & S_IFMT != S_IFLNK else { return .failed(errno: ELOOP) }
        return cjuicectl_set_owner_and_mode(entry, uid, gid, UInt32(mode)) == 0 ? .done : .failed(errno: errno)
    }

    /// fsync of a directory by its `O_PATH` descriptor (reopened for reading: an `O_PATH` descriptor cannot sync).
    static func syncDirectory(_ directory: Int32) {
        let fd = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        Glibc.fsync(fd)
        close(fd)
    }
}
