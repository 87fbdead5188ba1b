package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The local files of ``LiveHost`` that juicectl keeps for itself: state, status, events and their locks.
extension LiveHost {
    package func writeLocalFile(_ path: String, _ data: Data, mode: UInt16, durable: Bool) throws {
        try AtomicFile.write(data, to: path, mode: mode, durable: durable)
    }

    package func localFileSize(_ path: String) -> UInt64? {
        var info = Glibc.stat()
        guard systemStat(path, &info) == 0 else { return nil }
        return UInt64(info.st_size)
    }

    package func appendLocalLines(_ path: String, _ data: Data, mode: UInt16) -> Bool {
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var data = data
        var info = Glibc.stat()
        var last: UInt8 = 0
        if fstat(fd, &info) == 0, info.st_size > 0, pread(fd, &last, 1, info.st_size - 1) == 1, last != UInt8(ascii: "\n") {
            data.insert(UInt8(ascii: "\n"), at: 0)
        }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return written == data.count && Glibc.fsync(fd) == 0
    }

    package func withLocalFileLock<T>(_ path: String, _ body: () -> T) -> T? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return nil }
        defer { flock(fd, LOCK_UN) }
        return body()
    }
}

private func systemStat(_ path: String, _ info: inout Glibc.stat) -> Int32 {
    stat(path, &info)
}
