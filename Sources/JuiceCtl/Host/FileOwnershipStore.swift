internal import Foundation
package import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// The ownership record as a file inside a file replica's directory, through the host seam: written by an atomic
/// replace (a temporary file created exclusively, fsynced, renamed into place; never after the deadline), read with
/// a deadline. A missing file is "no record"; a file that exists but cannot be read is an error, never "none".
///
/// The record keeps hosts apart only if they share the directory on a filesystem where one host's rename is seen by
/// the next reader on another (a local disk is seen by this host alone; NFS needs `actimeo=0` or `noac`).
package struct FileOwnershipStore: OwnershipStoring {
    /// The record's path.
    package let path: String
    let host: any HostProbing

    /// Creates the store of the file at `path`.
    package init(path: String, host: any HostProbing) {
        self.path = path
        self.host = host
    }

    package var location: String { path }

    package func read(deadline: Duration) async throws -> OwnershipRecord? {
        if let data = await host.readFile(path, deadline: deadline) {
            return try OwnershipRecord.decode(data, location: location)
        }
        switch await host.stat(path, deadline: deadline) {
        case .failed(let code, _) where code == ENOENT:
            return nil
        case .failed(let code, let message):
            throw OwnershipStoreError(location: location, operation: .read, problem: .file(errno: code, message: message))
        case .timedOut:
            throw OwnershipStoreError(location: location, operation: .read, problem: .timedOut(deadline))
        case .found:
            throw OwnershipStoreError(
                location: location, operation: .read,
                problem: .file(errno: EIO, message: "the file exists but cannot be read"))
        }
    }

    package func write(_ record: OwnershipRecord, deadline: Duration) async throws {
        let data = record.encoded()
        var code = await host.replaceFile(path, with: data, mode: 0o600, deadline: deadline / 2)
        if code == ENOENT {
            // A fresh volume: Litestream has not made the replica directory yet. Only the directory itself is
            // made, never its parents (a missing parent is a shared filesystem that is not mounted).
            let directory = (path as NSString).deletingLastPathComponent
            let made = await host.makeDirectory(directory, mode: 0o700, deadline: deadline / 4)
            guard made == 0 || made == EEXIST else {
                let message = "cannot create the directory \(directory): \(Self.text(made))"
                throw OwnershipStoreError(location: location, operation: .write, problem: .file(errno: made, message: message))
            }
            code = await host.replaceFile(path, with: data, mode: 0o600, deadline: deadline / 4)
        }
        switch code {
        case 0: return
        case ETIMEDOUT: throw OwnershipStoreError(location: location, operation: .write, problem: .timedOut(deadline))
        default: throw OwnershipStoreError(location: location, operation: .write, problem: .file(errno: code, message: Self.text(code)))
        }
    }

    private static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
