public import JuiceCtlCore

/// What became of one action.
public struct ActionResult: Sendable, Hashable, Codable {
    /// How it ended.
    public enum Outcome: Sendable, Hashable, Codable {
        /// It ran and its effect was verified; the text says what was done.
        case done(String)
        /// Its precondition showed it was not needed (already satisfied).
        case skipped(String)
        /// It failed; the text says why and what to do.
        case failed(String)
        /// It was not run because an action it depends on failed.
        case notRun(String)
    }

    /// The action.
    public var action: Action
    /// How it ended.
    public var outcome: Outcome
    /// Wall time in milliseconds.
    public var milliseconds: Int64
    /// Figures of checkpoint and restore steps (frozen window, hard links, processes terminated); `nil` for others.
    public var details: Details?

    /// Measured facts of a checkpoint or restore step, for `--json`, the event log and the metrics.
    public struct Details: Sendable, Hashable, Codable {
        /// How long the sandbox's cgroups were frozen (`checkpoints.quiesce`), in milliseconds.
        public var frozenMilliseconds: Int64?
        /// The cgroups that were frozen.
        public var frozenCgroups: [String]?
        /// How long the overlay image's filesystem was frozen, in milliseconds.
        public var imageFrozenMilliseconds: Int64?
        /// Whether the copy is the tree at one instant (the sandbox was quiesced).
        public var pointInTime: Bool?
        /// Hard links made again in the copy.
        public var hardLinks: Int?
        /// Processes terminated so that a restore could replace the tree they used.
        public var terminatedPIDs: [Int32]?
        /// For a durable checkpoint: how long it took, after the checkpoint was made, until it survived the loss of
        /// this host (staged blocks uploaded, the replica synced), in milliseconds.
        public var durableMilliseconds: Int64?

        /// Creates details.
        public init(
            frozenMilliseconds: Int64? = nil, frozenCgroups: [String]? = nil, imageFrozenMilliseconds: Int64? = nil,
            pointInTime: Bool? = nil, hardLinks: Int? = nil, terminatedPIDs: [Int32]? = nil
        ) {
            self.frozenMilliseconds = frozenMilliseconds
            self.frozenCgroups = frozenCgroups
            self.imageFrozenMilliseconds = imageFrozenMilliseconds
            self.pointInTime = pointInTime
            self.hardLinks = hardLinks
            self.terminatedPIDs = terminatedPIDs
        }
    }

    /// Creates a result.
    public init(action: Action, outcome: Outcome, milliseconds: Int64, details: Details? = nil) {
        self.action = action
        self.outcome = outcome
        self.milliseconds = milliseconds
        self.details = details
    }

    /// Whether it failed.
    public var failed: Bool {
        if case .failed = outcome { return true }
        return false
    }
}

/// A failure inside an action step, with what to do next.
struct StepError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// What one executor step returns: how it ended and, for checkpoint and restore steps, what it measured.
struct StepResult: Sendable {
    var outcome: ActionResult.Outcome
    var details: ActionResult.Details?

    init(_ outcome: ActionResult.Outcome, details: ActionResult.Details? = nil) {
        self.outcome = outcome
        self.details = details
    }
}

/// A step failure that still carries figures (a quiesced checkpoint that failed after a freeze reports how long
/// the sandbox was frozen).
struct DetailedStepError: Error, CustomStringConvertible {
    var underlying: any Error
    var details: ActionResult.Details

    var description: String { Executor.describe(underlying) }
}
