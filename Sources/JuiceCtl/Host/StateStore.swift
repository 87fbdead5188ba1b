public import Foundation
public import JuiceCtlCore

/// What juicectl remembers about a volume between runs, in `<baseDir>/.juicectl/state.json`: the quotas it set
/// (only those are removed when they leave the spec) and where it mounted the volume (so a moved mount point is
/// cleaned up). Written atomically (temporary file, fsync, rename); a lost or damaged file only makes juicectl
/// more conservative.
public struct VolumeState: Sendable, Codable, Hashable {
    /// A quota juicectl set, with when.
    public struct QuotaRecord: Sendable, Codable, Hashable {
        /// Capacity in bytes, if any.
        public var capacity: UInt64?
        /// Inode limit, if any.
        public var inodes: UInt64?
        /// When it was set.
        public var setAt: Date
    }

    /// Quotas juicectl set, by volume path.
    public var quotas: [String: QuotaRecord] = [:]
    /// Mount points juicectl mounted the volume at.
    public var mountPaths: [String] = []
    /// Where juicectl mounted the overlay.
    public var overlayTarget: String?
    /// Where juicectl loop-mounted the overlay's image.
    public var overlayUpperMount: String?
    /// The image failed to mount: why, and where it was moved.
    public var overlayCorruption: OverlayCorruptionRecord?
    /// The juicefs client juicectl last started for the mount, with the arguments it was started with.
    public var mountClient: MountClientRecord?
    /// The juicefs client `down` detached lazily because files were open: it serves them (and writes the metadata
    /// database) until they are closed, so Litestream keeps replicating until it exits.
    public var detachedClient: DetachedClientRecord?
    /// What the last restore on this host could not do after its swap; removed by the next restore that completes
    /// everything, and problem by problem as apply sets the quotas concerned.
    public var restoreShortfall: RestoreShortfall?

    /// A juicefs client whose mount was detached lazily.
    public struct DetachedClientRecord: Sendable, Codable, Hashable {
        /// Its pid.
        public var pid: Int32
        /// The detached mount's id (`/proc/self/mountinfo`), which the open files' `fdinfo` still names.
        public var mountID: Int
        /// When it was detached.
        public var detached: Date
    }

    /// A mount client juicectl started.
    public struct MountClientRecord: Sendable, Codable, Hashable {
        /// Its pid (the FUSE serving process, `.config`'s `Pid`).
        public var pid: Int32
        /// The arguments after the juicefs executable.
        public var arguments: [String]
    }

    /// A failed mount of the overlay image.
    public struct OverlayCorruptionRecord: Sendable, Codable, Hashable {
        /// What mount said.
        public var reason: String
        /// Where the image was moved (`nil` while it is in place).
        public var movedTo: String?
        /// When the mount failed.
        public var at: Date
    }

    /// Creates an empty state.
    public init() {}
}

/// Reads and writes ``VolumeState`` files, through a ``HostProbing``.
public struct StateStore: Sendable {
    /// The file.
    public let path: String
    /// Where the file is read and written.
    let host: any HostProbing

    /// The store of the volume whose state directory is `stateDir`, on `host`.
    public init(stateDir: String, host: any HostProbing) {
        path = "\(stateDir)/state.json"
        self.host = host
    }

    /// The stored state, or an empty one when there is none or it cannot be read.
    public func load() -> VolumeState {
        guard let data = host.readLocalFile(path) else { return VolumeState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(VolumeState.self, from: data)) ?? VolumeState()
    }

    /// Replaces the stored state atomically.
    public func save(_ state: VolumeState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(state)
        try host.createLocalDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)
        try host.writeLocalFile(path, data, mode: 0o600, durable: true)
    }

    /// Applies `change` to the stored state and saves it.
    public func update(_ change: (inout VolumeState) -> Void) throws {
        var state = load()
        change(&state)
        try save(state)
    }
}
