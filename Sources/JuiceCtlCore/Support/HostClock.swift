public import Foundation

/// juicectl's one source of time and chance: wall time, monotonic time, sleeping, random numbers and nonces.
///
/// Every reading of the present and every wait in the library, the daemon and the command-line tool goes through a
/// `HostClock`, so that observers, executors, the claim protocol and the daemon run in virtual time under test
/// (see `VirtualTime` in the tests) and in real time in production (``HostClock/system``).
public struct HostClock: Sendable {
    /// The present in UTC: what records, events, checkpoint names and ages are stamped with.
    public var date: @Sendable () -> Date
    /// Monotonic time since an arbitrary origin: what elapsed durations and deadlines are measured with.
    public var now: @Sendable () -> Duration
    /// Waits `duration` (throws `CancellationError` when the task is cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random number in `0..<1`, for backoff jitter.
    public var random: @Sendable () -> Double
    /// A new random nonce.
    public var nonce: @Sendable () -> String

    /// Creates a clock from its parts.
    public init(
        date: @escaping @Sendable () -> Date,
        now: @escaping @Sendable () -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        nonce: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.date = date
        self.now = now
        self.sleep = sleep
        self.random = random
        self.nonce = nonce
    }

    /// Wall time, the continuous clock (it counts a suspended machine's sleep), `Task.sleep`, the system's random
    /// numbers and random UUIDs.
    public static let system: HostClock = {
        let origin = ContinuousClock.now
        return HostClock(
            date: { Date() },
            now: { ContinuousClock.now - origin },
            sleep: { try await Task.sleep(for: $0) }
        )
    }()

    /// How long `work` took on this clock's monotonic time, with its result.
    public func measure<T>(_ work: () async throws -> T) async rethrows -> (result: T, elapsed: Duration) {
        let start = now()
        let result = try await work()
        return (result, now() - start)
    }
}
