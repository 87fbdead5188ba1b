public import Foundation

/// The sources of time and chance of the claim protocol, injectable so that tests run in virtual time.
public struct OwnershipClock: Sendable {
    /// Monotonic time since an arbitrary origin: what elapsed durations are measured with.
    public var now: @Sendable () -> Duration
    /// Waits `duration` (throws when the task is cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The present in UTC, for a record's `since`.
    public var date: @Sendable () -> Date
    /// A new random nonce.
    public var nonce: @Sendable () -> String

    /// Creates a clock.
    public init(
        now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void,
        date: @escaping @Sendable () -> Date = { Date() },
        nonce: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.now = now
        self.sleep = sleep
        self.date = date
        self.nonce = nonce
    }

    /// The continuous clock (it counts a suspended machine's sleep, so a claimer that was suspended sees the time
    /// pass), `Task.sleep`, wall time and random UUIDs.
    public static let system: OwnershipClock = {
        let origin = ContinuousClock.now
        return OwnershipClock(now: { ContinuousClock.now - origin }, sleep: { try await Task.sleep(for: $0) })
    }()
}
