package import Foundation
package import JuiceCtlCore

/// What juicectl remembers about a volume between runs, in `<baseDir>/.juicectl/state.json`: the quotas it set
/// (only those are removed when they leave the spec) and where it mounted the volume (so a moved mount point is
/// cleaned up). Written atomically (temporary file, fsync, rename); a lost or damaged file only makes juicectl
/// more conservative.
package struct VolumeState: Sendable, Codable, Hashable {
    /// A quota juicectl set, with when.
    package struct QuotaRecord: Sendable, Codable, Hashable {
        /// Capacity in bytes, if any.
        package var capacity: UInt64?
        /// Inode limit, if any.
        package var inodes: UInt64?
        /// When it was set.
        package var setAt: Date
    }

    /// Quotas juicectl set, by volume path.
    package var quotas: [String: QuotaRecord] = [:]
    /// Mount points juicectl mounted the volume at.
    package var mountPaths: [String] = []
    /// Where juicectl mounted the overlay.
    package var overlayTarget: String?
    /// Where juicectl loop-mounted the overlay's image.
    package var overlayUpperMount: String?
    /// The image failed to mount: why, and where it was moved.
    package var overlayCorruption: OverlayCorruptionRecord?
    /// The juicefs client juicectl last started for the mount, with the arguments it was started with.
    package var mountClient: MountClientRecord?
    /// The juicefs client `down` detached lazily because files were open: it serves them (and writes the metadata
    /// database) until they are closed, so Litestream keeps replicating until it exits.
    package var detachedClient: DetachedClientRecord?
    /// What the last restore on this host could not do after its swap; removed by the next restore that completes
    /// everything, and problem by problem as apply sets the quotas concerned.
    package var restoreShortfall: RestoreShortfall?

    /// A juicefs client whose mount was detached lazily.
    package struct DetachedClientRecord: Sendable, Codable, Hashable {
        /// Its pid.
        package var pid: Int32
        /// The detached mount's id (`/proc/self/mountinfo`), which the open files' `fdinfo` still names.
        package var mountID: Int
        /// When it was detached.
        package var detached: Date
    }

    /// A mount client juicectl started.
    package struct MountClientRecord: Sendable, Codable, Hashable {
        /// Its pid (the FUSE serving process, `.config`'s `Pid`).
        package var pid: Int32
        /// The arguments after the juicefs executable.
        package var arguments: [String]
    }

    /// A failed mount of the overlay image.
    package struct OverlayCorruptionRecord: Sendable, Codable, Hashable {
        /// What mount said.
        package var reason: String
        /// Where the image was moved (`nil` while it is in place).
        package var movedTo: String?
        /// When the mount failed.
        package var at: Date
    }

    /// Creates an empty state.
    package init() {}
}

/// Reads and writes ``VolumeState`` files, through a ``HostProbing``.
package struct StateStore: Sendable {
    /// The file.
    package let path: String
    /// Where the file is read and written.
    let host: any HostProbing

    /// The store of the volume whose state directory is `stateDir`, on `host`.
    package init(stateDir: String, host: any HostProbing) {
        path = "\(stateDir)/state.json"
        self.host = host
    }

    /// The stored state, or an empty one when there is none or it cannot be read.
    package func load() -> VolumeState {
        guard let data = host.readLocalFile(path) else { return VolumeState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(VolumeState.self, from: data)) ?? VolumeState()
    }

    /// Replaces the stored state atomically.
    package func save(_ state: VolumeState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(state)
        try host.createLocalDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)
        try host.writeLocalFile(path, data, mode: 0o600, durable: true)
    }

    /// Applies `change` to the stored state and saves it.
    package func update(_ change: (inout VolumeState) -> Void) throws {
        var state = load()
        change(&state)
        try save(state)
    }
}
