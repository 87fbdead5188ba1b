package import Foundation
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

extension LiveHost {
    package func replaceFile(_ path: String, with data: Data, mode: UInt16, deadline: Duration) async -> Int32 {
        let start = clock.now()
        return await Deadline.run(deadline, clock: clock) {
            let directory = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
            guard fd >= 0 else { return errno }
            let failed = writeSynced(fd, data, mode: mode)
            close(fd)
            if let failed {
                unlink(temporary)
                return failed
            }
            // A rename after the deadline would land where the caller no longer expects a write.
            guard clock.now() - start < deadline else {
                unlink(temporary)
                return ETIMEDOUT
            }
            guard Glibc.rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                return code
            }
            let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directoryFD >= 0 {
                Glibc.fsync(directoryFD)
                close(directoryFD)
            }
            return 0
        } ?? ETIMEDOUT
    }
}

/// Writes all of `data` to `fd` (again after `EINTR`), sets `mode` and fsyncs: `nil`, or the errno that stopped it.
/// The one write of juicectl's atomic replacements, in the base dir and on the volume.
func writeSynced(_ fd: Int32, _ data: Data, mode: UInt16) -> Int32? {
    data.withUnsafeBytes { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return fchmod(fd, mode_t(mode)) != 0 || Glibc.fsync(fd) != 0 ? errno : nil
    }
}
