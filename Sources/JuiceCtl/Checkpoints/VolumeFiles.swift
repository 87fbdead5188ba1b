internal import JuiceCtlCore
internal import Foundation

/// Reads and writes juicectl's bookkeeping on a mounted volume (manifests, restore journal, lineage), as paths from
/// the volume root. Writes are atomic (temporary file, fsync, rename), so a crash leaves the old or the new record.
struct VolumeFiles: Sendable {
    let host: any HostProbing
    let mountPath: String
    var deadline: Duration = .seconds(10)

    /// The host path of a volume path.
    func path(_ volumePath: String) -> String { HostPath.join(mountPath, volumePath) }

    /// Creates `volumePath` and its missing parents on the volume.
    func makeDirectories(_ volumePath: String) async throws {
        for directory in HostPath.selfAndAncestors(volumePath) {
            let code = await host.makeDirectory(path(directory), mode: 0o755, deadline: deadline)
            guard code == 0 || code == EEXIST else {
                throw StepError("mkdir \(directory) on the volume failed: \(String(cString: strerror(code)))")
            }
        }
    }

    /// Whether something exists at `volumePath`, and its inode.
    func inode(_ volumePath: String) async throws -> UInt64? {
        switch await host.stat(path(volumePath), deadline: deadline) {
        case .found(let inode, _): return inode
        case .failed(let code, _) where code == ENOENT: return nil
        case .failed(_, let message): throw StepError("stat \(volumePath) failed: \(message)")
        case .timedOut: throw StepError("stat \(volumePath) did not answer within \(deadline.milliseconds) ms")
        }
    }

    /// A JSON record, or `nil` when the file does not exist.
    func read<T: Decodable>(_ type: T.Type, _ volumePath: String) async throws -> T? {
        guard try await inode(volumePath) != nil else { return nil }
        guard let data = await host.readFile(path(volumePath), deadline: deadline) else {
            throw StepError("cannot read \(volumePath)")
        }
        return try CheckpointJSON.decoder.decode(T.self, from: data)
    }

    /// Writes a JSON record atomically.
    func write(_ value: some Encodable, _ volumePath: String) throws {
        try host.writeLocalFile(path(volumePath), try CheckpointJSON.encoder.encode(value), mode: 0o644)
    }

    /// Removes a file if it is there.
    func remove(_ volumePath: String) async throws {
        guard try await inode(volumePath) != nil else { return }
        try host.removeLocalItem(path(volumePath))
    }

    /// Renames on the volume.
    func rename(_ source: String, _ destination: String, mode: RenameMode) async throws {
        let code = await host.rename(path(source), to: path(destination), mode: mode, deadline: deadline)
        guard code == 0 else {
            throw StepError("renaming \(source) to \(destination) failed: \(String(cString: strerror(code)))")
        }
    }

    /// The lineage record (empty when there is none yet).
    func lineage() async throws -> VolumeLineage {
        try await read(VolumeLineage.self, VolumeLayout.lineage) ?? VolumeLineage()
    }

    /// A fresh random suffix for staging and trash names.
    static func token() -> String {
        String(UInt64.random(in: 0..<UInt64.max), radix: 36)
    }
}
