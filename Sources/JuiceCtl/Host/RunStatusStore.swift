internal import Foundation
package import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads and writes the reconciler's per-volume status file, `<baseDir>/.juicectl/status.json`, through a
/// ``HostProbing``.
package struct RunStatusStore: Sendable {
    /// The file.
    package let path: String
    /// Where the file is read and written.
    let host: any HostProbing

    /// The store of the volume whose state directory is `stateDir`, on `host`.
    package init(stateDir: String, host: any HostProbing) {
        path = "\(stateDir)/status.json"
        self.host = host
    }

    /// The stored status, or `nil` when there is none or it cannot be read.
    package func load() -> RunStatus? {
        guard let data = host.readLocalFile(path) else { return nil }
        return try? Self.decoder.decode(RunStatus.self, from: data)
    }

    /// Replaces the stored status atomically (readers see the old or the new document, never a mix).
    package func save(_ status: RunStatus) throws {
        let data = try Self.encoder.encode(status)
        try host.createLocalDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)
        try host.writeLocalFile(path, data, mode: 0o600, durable: false)
    }

    /// Whether the process that wrote `status` still runs `juicectl` (a status whose writer is gone is history); its
    /// `/proc/PID/comm` is read through the host.
    package func writerIsAlive(_ status: RunStatus) -> Bool {
        let pid = status.daemon.pid
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let comm = host.readControlFile("/proc/\(pid)/comm") else { return false }
        return comm.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("juicectl")
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
