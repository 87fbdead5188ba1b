internal import CJuiceCtlShims
package import Foundation
package import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// The real host: `/proc`, system calls, deadlines on everything that may touch a FUSE mount.
package struct LiveHost: HostProbing {
    /// What deadlines are measured and waited on.
    package let clock: HostClock

    /// Creates the live host.
    package init(clock: HostClock = .system) {
        self.clock = clock
    }

    package func mountInfo() throws -> String {
        try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    }

    package func stat(_ path: String, deadline: Duration) async -> PathStatus {
        await Deadline.run(deadline, clock: clock) {
            var info = Glibc.stat()
            if systemStat(path, &info) == 0 {
                return PathStatus.found(inode: UInt64(info.st_ino), isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
            }
            let code = errno
            return PathStatus.failed(errno: code, message: String(cString: strerror(code)))
        } ?? .timedOut
    }

    package func symbolicLink(in path: String, below root: String, deadline: Duration) async -> String? {
        guard path.hasPrefix(root + "/") else { return nil }
        let components = path.dropFirst(root.count).split(separator: "/")
        return await Deadline.run(deadline, clock: clock) { () -> String? in
            var current = root
            for component in components {
                current += "/" + component
                var info = Glibc.stat()
                guard lstat(current, &info) == 0 else { return nil }
                if (info.st_mode & S_IFMT) == S_IFLNK { return current }
            }
            return nil
        } ?? nil
    }

    package func statfs(_ path: String, deadline: Duration) async -> FilesystemStats? {
        await Deadline.run(deadline, clock: clock) {
            var info = Glibc.statvfs()
            guard systemStatvfs(path, &info) == 0 else { return FilesystemStats?.none }
            return FilesystemStats(
                blockSize: UInt64(info.f_frsize), blocks: UInt64(info.f_blocks), freeBlocks: UInt64(info.f_bfree),
                files: UInt64(info.f_files), freeFiles: UInt64(info.f_ffree))
        } ?? nil
    }

    package func readFile(_ path: String, deadline: Duration) async -> Data? {
        await Deadline.run(deadline, clock: clock) { FileManager.default.contents(atPath: path) } ?? nil
    }

    package func makeDirectory(_ path: String, mode: UInt16, deadline: Duration) async -> Int32 {
        await Deadline.run(deadline, clock: clock) {
            Glibc.mkdir(path, mode_t(mode)) == 0 ? 0 : errno
        } ?? ETIMEDOUT
    }

    package func listDirectoryInodes(_ path: String, deadline: Duration) async -> [String: UInt64?]? {
        await Deadline.run(deadline, clock: clock) { () -> [String: UInt64?]? in
            guard let directory = opendir(path) else { return nil }
            defer { closedir(directory) }
            var entries: [String: UInt64?] = [:]
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { entries[name] = UInt64(entry.pointee.d_ino) }
            }
            return entries
        } ?? nil
    }

    package func listDirectory(_ path: String, deadline: Duration) async -> [String]? {
        await Deadline.run(deadline, clock: clock) { try? FileManager.default.contentsOfDirectory(atPath: path) } ?? nil
    }

    package func rename(_ source: String, to destination: String, mode: RenameMode, deadline: Duration) async -> Int32 {
        let flags: UInt32 =
            switch mode {
            case .replace: 0
            case .noReplace: 1 // RENAME_NOREPLACE
            case .exchange: 2 // RENAME_EXCHANGE
            }
        return await Deadline.run(deadline, clock: clock) {
            cjuicectl_renameat2(source, destination, flags) == 0 ? 0 : errno
        } ?? ETIMEDOUT
    }

    package func loopDevices() -> [LoopDevice] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.filter { $0.hasPrefix("loop") }.sorted().compactMap { name in
            guard let bytes = readProcFile("/sys/block/\(name)/loop/backing_file") else { return nil }
            let file = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !file.isEmpty else { return nil }
            var inode: UInt64 = 0
            let answered = cjuicectl_loop_backing_inode("/dev/\(name)", &inode) == 0
            return LoopDevice(device: "/dev/\(name)", backingFile: file, backingInode: answered ? inode : nil)
        }
    }

    package func createSparseFile(_ path: String, size: UInt64) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.posixError("cannot create \(path)") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw AtomicFile.posixError("cannot size \(path)") }
    }

    package func fsync(_ path: String, deadline: Duration) async -> Int32 {
        await Deadline.run(deadline, clock: clock) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            return Glibc.fsync(fd) == 0 ? 0 : errno
        } ?? ETIMEDOUT
    }

    package func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    package func processes() -> [Int32: [String]] {
        var result: [Int32: [String]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let words = commandLine(of: pid) else { continue }
            result[pid] = words
        }
        return result
    }

    package func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        pid > 0 && kill(pid, signal) == 0
    }

    package func fileExists(_ path: String) -> Bool {
        var info = Glibc.stat()
        return lstat(path, &info) == 0
    }

    package func createLocalDirectory(_ path: String, mode: UInt16) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: Int(mode)])
    }

    package func contentsOfDirectory(_ path: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: path)
    }

    package func readLocalFile(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    package func writeLocalFile(_ path: String, _ data: Data, mode: UInt16) throws {
        try writeLocalFile(path, data, mode: mode, durable: true)
    }

    package func moveLocalItem(_ source: String, to destination: String) throws {
        try FileManager.default.moveItem(atPath: source, toPath: destination)
    }

    package func removeLocalItem(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }

    package func commandLine(of pid: Int32) -> [String]? {
        guard pid > 0, let bytes = readProcFile("/proc/\(pid)/cmdline"), !bytes.isEmpty else { return nil }
        return ProcessCommandLine.split(bytes)
    }

    package func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return !isZombie(pid) }
        return errno == EPERM
    }

    private func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    package func processesUsing(_ path: String) -> [Int32] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let own = getpid()
        var found: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != own else { continue }
            var targets: [String] = []
            if let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") { targets.append(cwd) }
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)") {
                    targets.append(target)
                }
            }
            if targets.contains(where: { $0 == path || $0.hasPrefix(prefix) }) { found.append(pid) }
        }
        return found.sorted()
    }

    package func openFiles(onMount mountID: Int) -> Int {
        var count = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard Int32(name) != nil else { continue }
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(name)/fdinfo")) ?? [] {
                guard let info = readProcFile("/proc/\(name)/fdinfo/\(fd)"),
                    ProcText.mountID(fromFDInfo: String(decoding: info, as: UTF8.self)) == mountID
                else { continue }
                count += 1
            }
        }
        return count
    }

    package func treeUsers(_ query: TreeUsageQuery) async -> [TreeUser] {
        await TreeUsageScanner.users(query)
    }

    package func processStartTime(_ pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = readProcFile("/proc/\(pid)/stat") else { return nil }
        return ProcText.startTime(fromStat: String(decoding: bytes, as: UTF8.self))
    }
}

extension LiveHost {
    package func readControlFile(_ path: String) -> String? {
        readProcFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    package func exclusiveLock(_ path: String, operation: String, timeout: Duration) async throws -> any HeldLock {
        try await VolumeLock.acquire(file: path, operation: operation, timeout: timeout, clock: clock)
    }

    package func writeControlFile(_ path: String, _ text: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return written == bytes.count ? 0 : (written < 0 ? errno : EIO)
    }
}

private func systemStat(_ path: String, _ info: inout Glibc.stat) -> Int32 {
    stat(path, &info)
}

private func systemStatvfs(_ path: String, _ info: inout Glibc.statvfs) -> Int32 {
    statvfs(path, &info)
}

/// Splits the bytes of `/proc/<pid>/cmdline` into words.
///
/// Normally the words are NUL-separated. A process that rewrites its title (juicefs does, to mask its metadata
/// URL) leaves one space-joined string followed by NULs; that string is split on spaces.
enum ProcessCommandLine {
    static func split(_ bytes: [UInt8]) -> [String] {
        let words = nulSeparated(bytes).filter { !$0.isEmpty }
        if words.count == 1, words[0].contains(" ") {
            return splitRewritten(words[0])
        }
        return words
    }

    /// Splits a space-joined command line without knowing where words ended: a new word starts at ` --` or ` -o `;
    /// `--name=value` keeps spaces inside its value; the first `scheme://` word and everything after it (the
    /// metadata URL and the mount point) become one last word, which juicectl does not compare anyway.
    static func splitRewritten(_ line: String) -> [String] {
        var text = Substring(line)
        var tail: String?
        if let url = text.firstRange(of: #/ [a-z][a-z0-9+.\-]*:\/\//#) {
            tail = String(text[text.index(after: url.lowerBound)...])
            text = text[..<url.lowerBound]
        }
        var words: [String] = []
        for (index, piece) in text.split(separator: " -", omittingEmptySubsequences: true).enumerated() {
            let token = index == 0 ? String(piece) : "-" + piece
            if index == 0 {
                words += token.split(separator: " ").map(String.init)
            } else if let equals = token.firstIndex(of: "="), !token[..<equals].contains(" ") {
                words.append(token)
            } else if let space = token.firstIndex(of: " ") {
                words.append(String(token[..<space]))
                words += token[token.index(after: space)...].split(separator: " ").map(String.init)
            } else {
                words.append(token)
            }
        }
        if let tail { words.append(tail) }
        return words
    }

    private static func nulSeparated(_ bytes: [UInt8]) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == 0 {
                words.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}

/// Reads a `/proc` file with plain `read(2)` calls of `chunk` bytes (its size is reported as 0, so size-based readers
/// get nothing).
func readProcFile(_ path: String, chunk: Int = 4096) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { return nil }
        if count == 0 { return bytes }
        bytes += buffer[0..<count]
    }
}
