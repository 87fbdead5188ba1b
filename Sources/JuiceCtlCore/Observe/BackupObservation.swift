/// Litestream for one volume as found on the host: the process, the configuration, and the positions of the
/// database and the replica.
public struct BackupObservation: Sendable, Hashable, Codable {
    /// The `litestream replicate` process for this volume.
    public var process: Process
    /// Whether the configuration file on disk is the one the spec asks for.
    public var configCurrent: Bool
    /// Whether the replica holds anything (a restore is possible).
    public var replicaExists: Bool
    /// The newest transaction Litestream has taken from the database (its local LTX files).
    public var localTXID: UInt64?
    /// The newest transaction in the replica.
    public var replicaTXID: UInt64?
    /// Seconds since the replica last received a file.
    public var replicaAgeSeconds: Double?
    /// Seconds since juicectl started the running process.
    public var runningSeconds: Double?
    /// Why a replica that is not on this host could not be listed (its store does not answer, refuses the keys, ...);
    /// `nil` when it was listed or not asked. Nothing is then known about ``replicaExists``.
    public var replicaUnreadable: String?
    /// Whether the replica's position was read on this observation: always for a file replica; for an S3 replica
    /// only when the metadata needs restoring or the caller asked (one `litestream ltx` against the store).
    public var replicaListed = true

    /// The process's state.
    public enum Process: Sendable, Hashable, Codable {
        /// None runs.
        case stopped
        /// One runs, started with this configuration digest (`nil` when it was not started by juicectl).
        case running(pid: Int32, configDigest: String?)
    }

    /// Creates an observation.
    public init(
        process: Process, configCurrent: Bool, replicaExists: Bool, localTXID: UInt64? = nil, replicaTXID: UInt64? = nil,
        replicaAgeSeconds: Double? = nil
    ) {
        self.process = process
        self.configCurrent = configCurrent
        self.replicaExists = replicaExists
        self.localTXID = localTXID
        self.replicaTXID = replicaTXID
        self.replicaAgeSeconds = replicaAgeSeconds
    }

    /// Seconds the replica has been behind the database: 0 when it holds every transaction Litestream took, else
    /// the time since the replica last received a file; `nil` when either position is unknown.
    public var lagSeconds: Double? {
        guard let lag else { return nil }
        return lag == 0 ? 0 : replicaAgeSeconds
    }

    /// Transactions the replica is behind Litestream's view of the database.
    public var lag: UInt64? {
        guard let localTXID, let replicaTXID else { return nil }
        return localTXID > replicaTXID ? localTXID - replicaTXID : 0
    }
}
