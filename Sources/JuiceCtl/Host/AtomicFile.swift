package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes files so that a crash leaves either the old or the new content, never a mix.
package enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs the directory.
    /// With `durable: false` the fsyncs are left out: the rename still makes the change all-or-nothing for readers,
    /// for files rewritten often whose loss in a power cut costs nothing (the reconciler's status).
    package static func write(_ data: Data, to path: String, mode: UInt16, durable: Bool = true) throws {
        // A random name created exclusively, never through a link: nobody can have it ready for juicectl to write.
        let temporary = "\(path).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw posixError("cannot create \(temporary)") }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fchmod(fd, mode_t(mode)) == 0, !durable || fsync(fd) == 0 else {
            let error = posixError("cannot write \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = posixError("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        guard durable else { return }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    static func posixError(_ message: String) -> NSError {
        NSError(
            domain: "juicectl", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(message): \(String(cString: strerror(errno)))"])
    }
}
