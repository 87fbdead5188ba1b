internal import Foundation
internal import JuiceCtlCore

/// The metadata engine (from the live mount, else `juicefs status`), its client sessions, and the object storage.
extension VolumeObserver {
    /// The metadata engine: the live mount's format when it is mounted, else `juicefs status` (with the client
    /// sessions it lists), unless the SQLite file it would create is missing.
    func observeMetadata(
        _ spec: VolumeSpec, mount: MountState, recorder: inout ProbeRecorder
    ) async -> (metadata: MetadataState, sessions: [ClientSession]?) {
        if let live = mount.live { return (.formatted(live.format), nil) }
        if let sqlitePath = spec.metadata.sqlitePath, !recorder.measure("stat \(sqlitePath)", { host.fileExists(sqlitePath) }) {
            return (.missing, nil)
        }
        var sessions: [ClientSession]?
        let metadata = await recorder.measure("juicefs status") {
            do {
                switch try await juicefs.status(spec.metadata) {
                case .formatted(let status):
                    sessions = status.clientSessions
                    return MetadataState.formatted(status.setting.formatInfo)
                case .notFormatted: return MetadataState.unformatted
                }
            } catch {
                return MetadataState.unreadable("\(error)")
            }
        }
        return (metadata, sessions)
    }

    /// The engine's client sessions: those `juicefs status` listed already (`read`), else, when `wanted` and the
    /// volume is mounted here, from one more `juicefs status`.
    func observeSessions(
        _ spec: VolumeSpec, read: [ClientSession]?, wanted: Bool, mount: MountState, recorder: inout ProbeRecorder
    ) async -> [ClientSession]? {
        guard wanted, read == nil, mount.live != nil else { return read }
        return await recorder.measure("juicefs status (sessions)") {
            guard case .formatted(let status)? = try? await juicefs.status(spec.metadata) else { return nil }
            return status.clientSessions
        }
    }

    /// The object storage, where this host can see it (a `file` bucket); a remote one is not listed.
    func observeStorage(_ spec: VolumeSpec) -> StorageState {
        guard let uuidFile = spec.storage.uuidFilePath(volume: spec.name) else { return .remote(endpoint: spec.storage.displayEndpoint) }
        if host.fileExists(uuidFile) {
            guard let data = host.readLocalFile(uuidFile) else { return .unknown("cannot read \(uuidFile)") }
            return .holdsVolume(uuid: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let volumeDirectory = (uuidFile as NSString).deletingLastPathComponent
        if let contents = host.contentsOfDirectory(volumeDirectory), !contents.isEmpty {
            return .holdsVolume(uuid: "unknown (objects without juicefs_uuid)")
        }
        return .empty
    }

    /// Whether a format juicectl started was cut short: its intent record is there and the storage holds only
    /// what `juicefs format` writes before it touches the metadata.
    func isInterruptedFormat(_ spec: VolumeSpec) -> Bool {
        guard host.fileExists(spec.formatIntentFile), let uuidFile = spec.storage.uuidFilePath(volume: spec.name) else { return false }
        let volumeDirectory = (uuidFile as NSString).deletingLastPathComponent
        let entries = host.contentsOfDirectory(volumeDirectory) ?? []
        return entries.allSatisfy { name in
            if name == "juicefs_uuid" || (name.hasPrefix(".jfs.") && name.contains(".tmp.")) { return true }
            // The storage test object goes into `testing/`, which juicefs empties again.
            return name == "testing" && (host.contentsOfDirectory("\(volumeDirectory)/\(name)")?.isEmpty ?? false)
        }
    }
}
