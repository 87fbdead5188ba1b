public import JuiceCtlCore

/// What became of one action.
public struct ActionResult: Sendable, Hashable, Codable {
    /// How it ended.
    public enum Outcome: Sendable, Hashable {
        /// It ran and its effect was verified; the text says what was done.
        case done(String)
        /// It failed; the text says why and what to do.
        case failed(String)
        /// It did not run; the reason says why.
        case notRun(NotRunReason)

        /// Its precondition showed it was not needed (already satisfied); the text says what was found.
        public static func skipped(_ why: String) -> Outcome { .notRun(.skippedByPrecondition(why)) }

        /// Whether it was held back before it started (a stop request, a failed prerequisite); an action its
        /// precondition skipped was looked at.
        public var heldBack: Bool {
            switch self {
            case .notRun(.stopped), .notRun(.prerequisiteFailed): true
            case .done, .failed, .notRun(.skippedByPrecondition): false
            }
        }
    }

    /// Why an action did not run.
    public enum NotRunReason: Sendable, Hashable {
        /// A stop request came before it started; the next run does it.
        case stopped
        /// An action planned before it, which it needs, failed: the kind and target of that action.
        case prerequisiteFailed(kind: Action.Kind, target: String)
        /// Its precondition showed it was not needed (already satisfied); the text says what was found.
        case skippedByPrecondition(String)
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

/// An outcome is stored as it always was: `{"done": {"_0": text}}`, and likewise `skipped`, `failed` and `notRun`
/// with the words ``ActionOutcomeRenderer`` gives.
extension ActionResult.Outcome: Codable {
    private enum CodingKeys: String, CodingKey {
        case done, skipped, failed, notRun
    }

    private enum TextKeys: String, CodingKey {
        case text = "_0"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an outcome has one key"))
        }
        let text = try container.nestedContainer(keyedBy: TextKeys.self, forKey: key).decode(String.self, forKey: .text)
        switch key {
        case .done: self = .done(text)
        case .skipped: self = .skipped(text)
        case .failed: self = .failed(text)
        case .notRun:
            guard let reason = ActionOutcomeRenderer.heldBackReason(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath + [key], debugDescription: "no reason reads '\(text)'"))
            }
            self = .notRun(reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var nested = container.nestedContainer(keyedBy: TextKeys.self, forKey: key)
        try nested.encode(ActionOutcomeRenderer.text(self), forKey: .text)
    }

    private var key: CodingKeys {
        switch self {
        case .done: .done
        case .failed: .failed
        case .notRun(.skippedByPrecondition): .skipped
        case .notRun: .notRun
        }
    }
}

/// An outcome reads in the log as it always did: `done("what was done")`, `skipped("what was found")`.
extension ActionResult.Outcome: CustomStringConvertible {
    public var description: String {
        "\(key.rawValue)(\(String(reflecting: ActionOutcomeRenderer.text(self))))"
    }
}
