public import Foundation

/// The daemon's sources of time and chance, injectable so that tests control both.
public struct DaemonClock: Sendable {
    /// The present, in UTC.
    public var now: @Sendable () -> Date
    /// A random number in `0..<1`, for backoff jitter.
    public var random: @Sendable () -> Double

    /// Creates a clock.
    public init(now: @escaping @Sendable () -> Date, random: @escaping @Sendable () -> Double) {
        self.now = now
        self.random = random
    }

    /// Wall time and the system's random numbers.
    public static let system = DaemonClock(now: { Date() }, random: { Double.random(in: 0..<1) })
}
