public import Foundation

/// A volume's failure record in `juicectl run`: how many passes failed in a row, when the next attempt is due, and
/// whether the volume is stalled on an error that retrying cannot fix.
public struct RetryState: Sendable, Hashable, Codable {
    /// An error retrying cannot fix (a refusal by the planner): changes stop until the spec changes.
    public struct Stall: Sendable, Hashable, Codable {
        /// The refusal: the code of the blocking conflict, such as `RefuseFormatOverData`.
        public var reason: ConflictCode
        /// What is wrong and what to do.
        public var message: String
        /// The spec revision it was found with: a different revision lifts the stall.
        public var revision: String
        /// When it was found.
        public var since: Date

        /// Creates a stall.
        public init(reason: ConflictCode, message: String, revision: String, since: Date) {
            self.reason = reason
            self.message = message
            self.revision = revision
            self.since = since
        }
    }

    /// Failed passes in a row (0 after a success).
    public var failures = 0
    /// When a failed volume is tried again.
    public var nextAttempt: Date?
    /// The last failure's message.
    public var lastError: String?
    /// Set while the volume is stalled.
    public var stall: Stall?

    /// A fresh record.
    public init() {}

    /// Whether the volume may be changed at spec `revision`: not while stalled on the same revision.
    public func allowsChanges(revision: String) -> Bool {
        guard let stall else { return true }
        return stall.revision != revision
    }

    /// A pass succeeded: the count, the pending retry and any stall are cleared.
    public mutating func recordSuccess() {
        self = RetryState()
    }

    /// A pass failed with an error that may pass: the next attempt comes after the backoff for this many failures.
    public mutating func recordFailure(_ message: String, at now: Date, backoff: RetryBackoff, random: Double) {
        failures += 1
        lastError = message
        stall = nil
        let delay = backoff.delay(afterFailures: failures, random: random)
        nextAttempt = now.addingTimeInterval(delay.seconds)
    }

    /// A pass ended on an error retrying cannot fix: no retry is scheduled, and no change is attempted until the
    /// spec revision differs from `revision` (or the stall is lifted explicitly).
    public mutating func recordStall(reason: ConflictCode, message: String, revision: String, at now: Date) {
        if stall?.revision != revision || stall?.reason != reason {
            stall = Stall(reason: reason, message: message, revision: revision, since: now)
        }
        lastError = message
        nextAttempt = nil
    }

    /// Lifts a stall (a reload asked for another try); the failure count stays.
    public mutating func liftStall() {
        stall = nil
    }
}
