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

    /// Creates a result.
    public init(action: Action, outcome: Outcome, milliseconds: Int64) {
        self.action = action
        self.outcome = outcome
        self.milliseconds = milliseconds
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
