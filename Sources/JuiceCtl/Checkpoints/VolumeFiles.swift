internal import Foundation
internal import JuiceCtlCore

/// Reads and writes juicectl's bookkeeping on a mounted volume (manifests, restore journal, lineage), as paths from
/// the volume root, through ``VolumeCalling``: descriptors from the mount root, no symbolic link followed, each of
/// juicectl's directories on the way checked to be root's alone. Writes are atomic (a temporary file with a random
/// name, fsync, rename), so a crash leaves the old or the new record. Files are 0600, directories below
/// `/checkpoints/.juicectl` 0700.
struct VolumeFiles: Sendable {
    let host: any HostProbing
    let mountPath: String
    var deadline: Duration = .seconds(10)

    /// The host path of a volume path (for programs such as `juicefs clone`, which take paths; only inside
    /// directories ``verify()`` or a call here checked).
    func path(_ volumePath: String) -> String { HostPath.join(mountPath, volumePath) }

    /// Refuses when the root or one of juicectl's entries on the volume is unsafe (``GuardedEntry/problem``): what
    /// an executor checks before it acts on the volume by path.
    func verify() async throws {
        let paths = VolumeLayout.guardedDirectories + VolumeLayout.guardedFiles
        guard let guards = await host.guardedEntries(paths, below: mountPath, deadline: deadline) else {
            throw StepError("cannot read the volume root \(mountPath) within \(deadline.milliseconds) ms")
        }
        if let entry = guards.unsafe.first {
            throw VolumeCallFailure(operation: "working on the volume", result: .unsafe(entry))
        }
    }

    /// Creates `volumePath` and its missing parents on the volume (`/checkpoints/.juicectl` and below 0700, others
    /// 0755), each with `mkdirat` in the directory before it.
    func makeDirectories(_ volumePath: String) async throws {
        for directory in HostPath.selfAndAncestors(volumePath) {
            let mode = UInt16(VolumeLayout.directoryMode(directory) ?? 0o755)
            let result = await host.makeVolumeDirectory(directory, mode: mode, below: mountPath, deadline: deadline)
            switch result {
            case .done, .failed(EEXIST): continue
            default: throw VolumeCallFailure(operation: "mkdir \(directory) on the volume", result: result)
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
        switch await host.readVolumeFile(volumePath, below: mountPath, deadline: deadline) {
        case .contents(let data): return try CheckpointJSON.decoder.decode(T.self, from: data)
        case .failed(let code) where code == ENOENT: return nil
        case .failed(let code): throw VolumeCallFailure(operation: "read \(volumePath)", result: .failed(errno: code))
        case .unsafe(let entry): throw VolumeCallFailure(operation: "read \(volumePath)", result: .unsafe(entry))
        }
    }

    /// A file's bytes, read through descriptors (never through a link); `nil` when it is missing, unsafe to read or
    /// does not answer in time.
    func data(_ volumePath: String) async -> Data? {
        guard case .contents(let data) = await host.readVolumeFile(volumePath, below: mountPath, deadline: deadline) else { return nil }
        return data
    }

    /// Writes a JSON record atomically, 0600.
    func write(_ value: some Encodable, _ volumePath: String) async throws {
        let data = try CheckpointJSON.encoder.encode(value)
        let result = await host.writeVolumeFile(volumePath, data, mode: 0o600, below: mountPath, deadline: deadline)
        guard case .done = result else { throw VolumeCallFailure(operation: "write \(volumePath)", result: result) }
    }

    /// Removes a file if it is there.
    func remove(_ volumePath: String) async throws {
        let result = await host.removeVolumeFile(volumePath, below: mountPath, deadline: deadline)
        switch result {
        case .done, .failed(ENOENT): return
        default: throw VolumeCallFailure(operation: "remove \(volumePath)", result: result)
        }
    }

    /// Renames on the volume.
    func rename(_ source: String, _ destination: String, mode: RenameMode) async throws {
        let result = await host.renameOnVolume(source, to: destination, mode: mode, below: mountPath, deadline: deadline)
        guard case .done = result else { throw VolumeCallFailure(operation: "renaming \(source) to \(destination)", result: result) }
    }

    /// Gives `destination` the owner, group and mode of `source`, neither followed if it is a link.
    func copyOwnership(from source: String, to destination: String) async throws {
        let result = await host.copyVolumeOwnership(from: source, to: destination, below: mountPath, deadline: deadline)
        guard case .done = result else {
            throw VolumeCallFailure(operation: "copying the owner and mode of \(source) to \(destination)", result: result)
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
