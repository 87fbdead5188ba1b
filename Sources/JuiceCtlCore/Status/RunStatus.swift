public import Foundation

/// What `juicectl run` knows about one volume, written atomically to `<baseDir>/.juicectl/status.json` after
/// every pass, so that `juicectl status` (and monitoring) can read it while the reconciler holds the volume.
public struct RunStatus: Sendable, Hashable, Codable {
    /// The version of this document. Additive changes keep it.
    public static let currentFormatVersion = 1

    /// This document's version.
    public var formatVersion = RunStatus.currentFormatVersion
    /// The volume.
    public var volume: String
    /// The spec file in force.
    public var file: String
    /// The spec revision in force (the last good one when a newer file is invalid).
    public var revision: String
    /// The reconciler process.
    public var daemon: DaemonInfo
    /// When this document was written.
    public var updatedAt: Date
    /// Conditions with `since`: Ready, Degraded, BackupFresh (with a backup), Suspended, Stalled.
    public var conditions: [Condition]
    /// The last pass.
    public var lastReconcile: Pass?
    /// When the last pass that left the volume converged ended.
    public var lastConverged: Date?
    /// When the next pass is due.
    public var nextReconcile: Date?
    /// When the next scheduled checkpoint is due (`nil` without a schedule).
    public var nextCheckpoint: Date?
    /// Failures in a row, the next retry and a stall.
    public var retry: RetryState
    /// A spec file that was re-read and rejected: the volume keeps running on ``revision``.
    public var specError: SpecError?
    /// Actions the planner still sees after the pass (drift, while suspended or stalled).
    public var pendingActions: [String]
    /// Checkpoints on the volume after the pass.
    public var checkpoints: CheckpointSummary?
    /// Litestream's replica position after the pass.
    public var backup: BackupSummary?
    /// Blocks only staged on this host (writeback), as the last pass read them from the mount.
    public var staging: StagingObservation?
    /// Set by readers (never written by the reconciler): whether the process that wrote the document still runs.
    public var writerRunning: Bool?

    /// The reconciler process that wrote the document.
    public struct DaemonInfo: Sendable, Hashable, Codable {
        /// Its process ID.
        public var pid: Int32
        /// When it started.
        public var startedAt: Date
        /// Its period, in seconds.
        public var intervalSeconds: Double

        /// Creates the record.
        public init(pid: Int32, startedAt: Date, intervalSeconds: Double) {
            self.pid = pid
            self.startedAt = startedAt
            self.intervalSeconds = intervalSeconds
        }
    }

    /// One pass over the volume.
    public struct Pass: Sendable, Hashable, Codable {
        /// How it ended.
        public enum Result: String, Sendable, Hashable, Codable {
            /// Nothing to do, or everything done: the volume is as the spec declares.
            case converged
            /// Done what could be done; conflicts that do not block remain (an immutable setting changed).
            case conflicted
            /// An action or the run failed; a retry follows after the backoff.
            case failed
            /// The planner refuses (a blocking conflict): no retry until the spec changes.
            case blocked
            /// The spec suspends changes: observed only.
            case suspended
            /// Stalled on an earlier refusal at this revision: observed only.
            case stalled
            /// Another run held the volume lock; tried again shortly.
            case busy
            /// Shutdown stopped it between actions.
            case interrupted
        }

        /// When it started.
        public var startedAt: Date
        /// How long it took.
        public var durationMs: Int64
        /// How it ended.
        public var result: Result
        /// Actions run.
        public var actions: Int
        /// Actions that failed.
        public var failedActions: Int
        /// What happened, for people.
        public var message: String

        /// Creates a record.
        public init(startedAt: Date, durationMs: Int64, result: Result, actions: Int, failedActions: Int, message: String) {
            self.startedAt = startedAt
            self.durationMs = durationMs
            self.result = result
            self.actions = actions
            self.failedActions = failedActions
            self.message = message
        }
    }

    /// A rejected spec file.
    public struct SpecError: Sendable, Hashable, Codable {
        /// The diagnostics, each naming file, line and column.
        public var messages: [String]
        /// When it was found.
        public var since: Date

        /// Creates a record.
        public init(messages: [String], since: Date) {
            self.messages = messages
            self.since = since
        }
    }

    /// The checkpoints of a volume in brief.
    public struct CheckpointSummary: Sendable, Hashable, Codable {
        /// How many.
        public var count: Int
        /// The newest one's name.
        public var newest: String?
        /// When the newest one was created.
        public var newestCreatedAt: Date?

        /// Creates a summary.
        public init(count: Int, newest: String?, newestCreatedAt: Date?) {
            self.count = count
            self.newest = newest
            self.newestCreatedAt = newestCreatedAt
        }

        /// Summarises a catalog's entries (newest by creation time).
        public init(_ entries: [CheckpointEntry]) {
            let newest = entries.filter { $0.createdAt != nil }.max { ($0.createdAt!, $0.name) < ($1.createdAt!, $1.name) }
            self.init(count: entries.count, newest: newest?.name, newestCreatedAt: newest?.createdAt)
        }
    }

    /// Litestream's progress in brief.
    public struct BackupSummary: Sendable, Hashable, Codable {
        /// Whether Litestream runs.
        public var running: Bool
        /// Transactions the replica is behind the database.
        public var lagTransactions: UInt64?
        /// Seconds since the replica was last written.
        public var replicaAgeSeconds: Double?
        /// Seconds the replica has been behind the database (0 when it holds everything).
        public var lagSeconds: Double?

        /// Creates a summary.
        public init(running: Bool, lagTransactions: UInt64?, replicaAgeSeconds: Double?) {
            self.running = running
            self.lagTransactions = lagTransactions
            self.replicaAgeSeconds = replicaAgeSeconds
        }

        /// Creates a summary from an observation of Litestream.
        public init(_ observed: BackupObservation) {
            let running = if case .running = observed.process { true } else { false }
            self.init(running: running, lagTransactions: observed.lag, replicaAgeSeconds: observed.replicaAgeSeconds)
            lagSeconds = observed.lagSeconds
        }
    }

    /// Creates a document.
    public init(
        volume: String, file: String, revision: String, daemon: DaemonInfo, updatedAt: Date, conditions: [Condition],
        retry: RetryState = RetryState(), pendingActions: [String] = []
    ) {
        self.volume = volume
        self.file = file
        self.revision = revision
        self.daemon = daemon
        self.updatedAt = updatedAt
        self.conditions = conditions
        self.retry = retry
        self.pendingActions = pendingActions
    }

    /// The condition of `type`, if present.
    public func condition(_ type: ConditionType) -> Condition? {
        conditions.first { $0.type == type }
    }
}
