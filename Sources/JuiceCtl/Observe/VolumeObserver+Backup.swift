internal import Foundation
internal import JuiceCtlCore

/// Litestream: its process, its configuration, and the positions of the database and its replica.
extension VolumeObserver {
    /// Litestream for this volume: the process (from juicectl's pid record, checked against `/proc`), whether the
    /// configuration on disk is current, and the positions of the database and the replica.
    /// Ages are judged against the clock's present.
    func observeBackup(_ spec: VolumeSpec) -> BackupObservation? {
        observeBackup(spec, now: clock.date())
    }

    /// Litestream for this volume, with ages judged against `now` (the observation's instant).
    func observeBackup(_ spec: VolumeSpec, now: Date) -> BackupObservation? {
        let record = LitestreamFiles.pidRecord(spec, host: host)
        var process = BackupObservation.Process.stopped
        // The recorded process, if its pid was not reused: one juicectl started (with its configuration file) or
        // adopted (naming the database); an adopted one runs with digest "adopted", so the planner restarts it.
        if let record, host.isAlive(record.pid),
            let words = host.commandLine(of: record.pid),
            words.contains(spec.litestreamConfigFile) || LitestreamFiles.replicates(words, spec)
        {
            process = .running(pid: record.pid, configDigest: record.configDigest)
        }
        guard spec.backup != nil || process != .stopped else { return nil }
        let desired = LitestreamConfig.text(for: spec)
        let onDisk = host.readLocalFile(spec.litestreamConfigFile).map { String(decoding: $0, as: UTF8.self) }
        var observation = BackupObservation(process: process, configCurrent: desired != nil && onDisk == desired, replicaExists: false)
        if process != .stopped, let record { observation.runningSeconds = now.timeIntervalSince(record.started) }
        if let replica = spec.backup?.replicaPath {
            observation.replicaExists = LitestreamFiles.holdsAnything(replica, host: host)
            if let newest = LitestreamFiles.newest(in: replica, host: host) {
                observation.replicaTXID = newest.txid
                observation.replicaAgeSeconds = host.modificationDate(newest.file).map { now.timeIntervalSince($0) }
            }
        }
        if let database = spec.metadata.sqlitePath {
            observation.localTXID = LitestreamFiles.newest(in: LitestreamFiles.sidecar(of: database), host: host)?.txid
        }
        return observation
    }

    /// An S3 replica's position, from `litestream ltx` (when `listed`; otherwise it is marked as not read), its age
    /// judged against `now`.
    func observeRemoteReplica(
        _ settings: VolumeSpec.BackupSettings, into backup: inout BackupObservation, listed: Bool, now: Date
    ) async {
        guard listed, let litestream else {
            backup.replicaListed = false
            return
        }
        do {
            let files = try await litestream.replicaFiles(settings)
            backup.replicaExists = !files.isEmpty
            if let newest = files.max(by: { $0.maxTXID < $1.maxTXID }) {
                backup.replicaTXID = newest.maxTXID
                backup.replicaAgeSeconds = files.compactMap(\.created).max().map { now.timeIntervalSince($0) }
            }
        } catch {
            backup.replicaUnreadable = "\(error)"
        }
    }
}
