internal import Foundation

/// How long `juicectl run` waits before retrying a volume whose pass failed: exponential from ``initial`` to
/// ``maximum``, with part of each delay removed at random so that volumes failing together do not retry together.
public struct RetryBackoff: Sendable, Hashable, Codable {
    /// The delay after the first failure.
    public var initial: Duration
    /// The longest delay.
    public var maximum: Duration
    /// Growth per consecutive failure.
    public var multiplier: Double
    /// The largest fraction of a delay removed at random (0 gives exact delays; 0.2 gives 80 % to 100 %).
    public var jitter: Double

    /// Creates a policy; the defaults retry after 5 s, 10 s, 20 s, ... up to 5 minutes.
    public init(initial: Duration = .seconds(5), maximum: Duration = .seconds(300), multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.multiplier = max(1, multiplier)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay after `failures` consecutive failures (1 for the first), given a `random` value in `0..<1`.
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        let initialSeconds = initial.seconds
        let maximumSeconds = maximum.seconds
        // initial × multiplier^(failures−1), capped; the exponent is bounded so that huge counts cannot overflow.
        let exponent = failures <= 1 ? 0 : Double(min(failures - 1, 1024))
        let grown = initialSeconds * pow(multiplier, exponent)
        let seconds = initialSeconds <= 0 ? 0 : grown.isFinite ? min(grown, maximumSeconds) : maximumSeconds
        let kept = 1 - jitter * min(max(random, 0), 0.999_999)
        return .nanoseconds(Int64((seconds * kept * 1e9).rounded()))
    }
}
