internal import Foundation
package import JuiceCtlCore
internal import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Serialises runs on one volume with `flock(2)` on `<baseDir>/.juicectl/lock`. The lock file records its holder;
/// the kernel releases the lock when the holder dies, even by `kill -9`, so a lock never outlives its process.
public final class VolumeLock: HeldLock {
    /// Who holds a lock, as written into the lock file.
    public struct Holder: Sendable, Codable, Hashable, CustomStringConvertible {
        /// Process ID.
        public var pid: Int32
        /// Host name.
        public var host: String
        /// What it runs: `apply`, `down`, ...
        public var operation: String
        /// When it took the lock (UTC, ISO 8601).
        public var since: String

        public var description: String { "pid \(pid) on \(host) (\(operation), since \(since))" }
    }

    /// The lock could not be taken in time.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        /// The lock file.
        public var path: String
        /// Who holds it, when the file says.
        public var holder: Holder?
        /// How long juicectl waited.
        public var waited: Duration

        /// Creates the error for the lock file at `path`, held by `holder`, after waiting `waited`.
        public init(path: String, holder: Holder?, waited: Duration) {
            self.path = path
            self.holder = holder
            self.waited = waited
        }

        public var description: String {
            "volume is locked by \(holder?.description ?? "another process") (\(path)); "
                + "waited \(waited < .seconds(10) ? "\(waited.milliseconds) ms" : "\(waited.milliseconds / 1000) s"). "
                + "Wait for it to finish or raise --lock-timeout."
        }
    }

    /// The lock file's path.
    package let path: String
    private let descriptor: Int32
    private let released = Mutex(false)

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock of the volume whose state directory is `stateDir`, waiting up to `timeout` on `clock`.
    ///
    /// - Throws: ``Busy`` naming the holder when the timeout passes; an `NSError` when the file cannot be opened.
    package static func acquire(
        stateDir: String, operation: String, timeout: Duration, clock: HostClock = .system
    ) async throws -> VolumeLock {
        try await acquire(file: "\(stateDir)/lock", operation: operation, timeout: timeout, clock: clock)
    }

    /// Takes an exclusive `flock` on the file at `path` (its directory is created, mode 0700), waiting up to
    /// `timeout`. On a JuiceFS mount the lock is global across every client of the volume, on any host, and it is
    /// released when its holder exits or, if the holder's host dies, when its juicefs session expires.
    package static func acquire(
        file path: String, operation: String, timeout: Duration, clock: HostClock = .system
    ) async throws -> VolumeLock {
        let directory = (path as NSString).deletingLastPathComponent
        try LiveHost(clock: clock).createLocalDirectory(directory, mode: 0o700)
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw NSError(
                domain: "juicectl", code: Int(errno),
                userInfo: [NSLocalizedDescriptionKey: "cannot open lock file \(path): \(String(cString: strerror(errno)))"])
        }
        return try await acquire(descriptor: fd, path: path, operation: operation, timeout: timeout, clock: clock)
    }

    /// Takes an exclusive `flock` on the open file `fd` (the lock then owns it), waiting up to `timeout` on `clock`;
    /// `path` names it in messages.
    static func acquire(
        descriptor fd: Int32, path: String, operation: String, timeout: Duration, clock: HostClock
    ) async throws -> VolumeLock {
        let start = clock.now()
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw NSError(
                    domain: "juicectl", code: Int(errno),
                    userInfo: [NSLocalizedDescriptionKey: "cannot lock \(path): \(String(cString: strerror(errno)))"])
            }
            if clock.now() - start >= timeout {
                defer { close(fd) }
                // A holder that has just taken the lock may not have written its record yet: look a few times.
                var holder = readHolder(descriptor: fd)
                for _ in 0..<10 where holder == nil {
                    try await clock.sleep(.milliseconds(20))
                    holder = readHolder(descriptor: fd)
                }
                throw Busy(path: path, holder: holder, waited: clock.now() - start)
            }
            try await clock.sleep(.milliseconds(100))
        }
        let lock = VolumeLock(path: path, descriptor: fd)
        lock.writeHolder(operation: operation, since: clock.date())
        return lock
    }

    /// The holder recorded in the open lock file `fd`, if any.
    static func readHolder(descriptor fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<count]))
    }

    /// The holder recorded in a lock file, if any, read through `host`.
    package static func readHolder(_ path: String, host: any HostProbing) -> Holder? {
        guard let data = host.readLocalFile(path), !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }

    private func writeHolder(operation: String, since: Date) {
        let holder = Holder(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, operation: operation,
            since: ISO8601DateFormatter().string(from: since))
        guard let data = try? JSONEncoder().encode(holder) else { return }
        // Written over the old record, then cut to length: the file is never empty while the lock is held.
        let written = data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        if written == data.count { _ = ftruncate(descriptor, off_t(data.count)) }
    }

    /// Releases the lock (also done when the process exits). Releasing twice does nothing.
    package func release() {
        guard
            released.withLock({ done in
                defer { done = true }
                return !done
            })
        else { return }
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
