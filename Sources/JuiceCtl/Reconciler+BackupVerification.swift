internal import Foundation
public import JuiceCtlCore

extension Reconciler {
    /// The outcome of `backup verify`.
    public struct BackupVerification: Sendable, Codable {
        /// Whether the replica restored, passed the integrity check and belongs to this volume.
        public var ok: Bool
        /// What was found, or what is wrong.
        public var message: String
        /// The volume UUID in the restored copy.
        public var replicaUUID: String?
        /// The live volume's UUID, when it could be read.
        public var liveUUID: String?
        /// How long the restore took.
        public var restoreMilliseconds: Int64?
    }

    /// Restores the newest replica into a temporary file and checks it (SQLite integrity check, same volume UUID as
    /// the live volume), without touching the live volume.
    public func verifyBackup(_ spec: VolumeSpec) async throws -> BackupVerification {
        try await verifier.verify(spec, scratch: clock.nonce()) {
            if case .formatted(let info) = await observer.observe(spec).metadata { return info.uuid }
            return nil
        }
    }
}

/// `backup verify`: restores a volume's replica into a scratch directory and checks what it holds against the live
/// volume.
struct BackupVerifier: Sendable {
    /// Creates and removes the scratch directory.
    let host: any HostProbing
    /// Reads the restored copy.
    let juicefs: JuiceFSClient
    /// Restores the replica.
    let litestream: LitestreamClient

    /// Restores the newest replica of `spec` into a directory named after `scratch` and checks it: the SQLite
    /// integrity check passes, it holds this volume, with `liveUUID`'s UUID when that can be read.
    func verify(
        _ spec: VolumeSpec, scratch: String, liveUUID: () async -> String?
    ) async throws -> Reconciler.BackupVerification {
        guard let backup = spec.backup else {
            return Reconciler.BackupVerification(ok: false, message: "volume \(spec.name) has no backup")
        }
        _ = try litestream.binary()
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("juicectl-verify-\(scratch)").path
        try host.createLocalDirectory(directory, mode: 0o700)
        defer { try? host.removeLocalItem(directory) }
        let copy = "\(directory)/metadata.db"
        let restore = try await litestream.run(
            ["restore", "-integrity-check", "full", "-o", copy, LitestreamClient.replicaURL(backup.replica)],
            backup: backup, timeout: .seconds(3600))
        guard restore.succeeded, host.fileExists(copy) else {
            let reason = restore.succeeded ? "the replica holds nothing" : JuiceFSOutput.errorMessage(restore.stderr)
            return Reconciler.BackupVerification(ok: false, message: "the replica \(backup.replica.display) cannot be restored: \(reason)")
        }
        let replicaUUID: String
        do {
            guard case .formatted(let status) = try await juicefs.status(.sqlite(path: copy)) else {
                return Reconciler.BackupVerification(
                    ok: false, message: "the restored copy passed the integrity check but holds no JuiceFS volume")
            }
            replicaUUID = status.setting.uuid
            guard status.setting.name == spec.name else {
                return Reconciler.BackupVerification(
                    ok: false, message: "the replica holds volume '\(status.setting.name)', not '\(spec.name)'", replicaUUID: replicaUUID)
            }
        } catch {
            return Reconciler.BackupVerification(ok: false, message: "the restored copy cannot be read by juicefs: \(error)")
        }
        let liveUUID = await liveUUID()
        let milliseconds = restore.duration.milliseconds
        guard let liveUUID else {
            return Reconciler.BackupVerification(
                ok: true,
                message:
                    "the replica restores cleanly (integrity check passed) and holds volume \(spec.name) (UUID \(replicaUUID)); "
                    + "the live volume could not be read to compare",
                replicaUUID: replicaUUID, restoreMilliseconds: milliseconds)
        }
        guard liveUUID == replicaUUID else {
            return Reconciler.BackupVerification(
                ok: false, message: "the replica holds volume UUID \(replicaUUID), the live volume has \(liveUUID)",
                replicaUUID: replicaUUID, liveUUID: liveUUID, restoreMilliseconds: milliseconds)
        }
        return Reconciler.BackupVerification(
            ok: true,
            message:
                "the replica restores cleanly in \(milliseconds) ms, passes the integrity check "
                + "and holds this volume (UUID \(replicaUUID))",
            replicaUUID: replicaUUID, liveUUID: liveUUID, restoreMilliseconds: milliseconds)
    }
}
