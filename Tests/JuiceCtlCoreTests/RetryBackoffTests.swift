import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Retry backoff")
struct RetryBackoffTests {
    /// The defaults without jitter: 5 s doubling up to 300 s.
    static let exact = RetryBackoff(jitter: 0)

    @Test("the first failure waits the initial delay")
    func firstDelayIsInitial() {
        #expect(Self.exact.delay(afterFailures: 1, random: 0) == .seconds(5))
        #expect(RetryBackoff(initial: .milliseconds(1500), jitter: 0).delay(afterFailures: 1, random: 0.5) == .milliseconds(1500))
    }

    @Test("each further failure doubles the delay: 5 s, 10 s, 20 s, 40 s, 80 s, 160 s")
    func doubles() {
        let delays = (1...6).map { Self.exact.delay(afterFailures: $0, random: 0) }
        #expect(delays == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160)])
    }

    @Test("another multiplier grows by that factor")
    func otherMultiplier() {
        let backoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(1000), multiplier: 3, jitter: 0)
        #expect((1...4).map { backoff.delay(afterFailures: $0, random: 0) } == [.seconds(1), .seconds(3), .seconds(9), .seconds(27)])
    }

    @Test("the delay stops at the maximum: 320 s would be next, 300 s is given", arguments: [7, 8, 20, 64, 1000])
    func cappedAtMaximum(failures: Int) {
        #expect(Self.exact.delay(afterFailures: failures, random: 0) == .seconds(300))
    }

    @Test("a huge failure count gives the maximum, without overflowing", arguments: [1 << 20, Int(Int32.max), Int.max])
    func hugeFailureCount(failures: Int) {
        #expect(Self.exact.delay(afterFailures: failures, random: 0) == .seconds(300))
        let jittered = RetryBackoff().delay(afterFailures: failures, random: 0.5)
        #expect(jittered == .seconds(270), "half the 20 % jitter off 300 s")
    }

    @Test("a multiplier of 1 keeps the delay constant", arguments: [1, 2, 10, 10_000])
    func constantBackoff(failures: Int) {
        let backoff = RetryBackoff(initial: .seconds(7), maximum: .seconds(60), multiplier: 1, jitter: 0)
        #expect(backoff.delay(afterFailures: failures, random: 0) == .seconds(7))
    }

    @Test("zero or negative failure counts give the initial delay, not less", arguments: [0, -1, Int.min])
    func nonPositiveFailures(failures: Int) {
        #expect(Self.exact.delay(afterFailures: failures, random: 0) == .seconds(5))
    }

    @Test(
        "jitter removes up to its fraction: every delay lies in [(1 - jitter) × d, d]",
        arguments: [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999])
    func jitterBounds(random: Double) {
        let backoff = RetryBackoff(jitter: 0.2)
        for failures in 1...10 {
            let nominal = Self.exact.delay(afterFailures: failures, random: 0)
            let delay = backoff.delay(afterFailures: failures, random: random)
            #expect(delay <= nominal, "\(failures) failure(s), random \(random): \(delay) > \(nominal)")
            #expect(
                delay.seconds >= nominal.seconds * 0.8 - 1e-9, "\(failures) failure(s), random \(random): \(delay) < 80 % of \(nominal)")
        }
    }

    @Test("jitter scales linearly with the random value: 0 keeps the full delay, 0.5 removes half the jitter")
    func jitterIsLinear() {
        let backoff = RetryBackoff(initial: .seconds(10), maximum: .seconds(100), jitter: 0.2)
        #expect(backoff.delay(afterFailures: 1, random: 0) == .seconds(10))
        #expect(backoff.delay(afterFailures: 1, random: 0.5) == .seconds(9))
        #expect(backoff.delay(afterFailures: 2, random: 0.25) == .seconds(19))
    }

    @Test("zero jitter gives exact delays whatever the random value", arguments: [0.0, 0.3, 0.999, 1.0, 7.0, -3.0])
    func zeroJitterIsExact(random: Double) {
        #expect(Self.exact.delay(afterFailures: 3, random: random) == .seconds(20))
    }

    @Test("a random value below 0 is clamped to 0: the full delay", arguments: [-1.0, -0.000_001, -Double.infinity])
    func randomBelowZeroIsClamped(random: Double) {
        #expect(RetryBackoff(jitter: 0.2).delay(afterFailures: 1, random: random) == .seconds(5))
    }

    @Test("a random value of 1 or more is clamped below 1: it removes at most the jitter", arguments: [1.0, 1.5, 1e9, Double.infinity])
    func randomAboveOneIsClamped(random: Double) {
        let delay = RetryBackoff(jitter: 0.2).delay(afterFailures: 1, random: random)
        #expect(delay >= .seconds(4))
        #expect(delay < .seconds(5))
        #expect(abs((delay - .seconds(4)).seconds) < 1e-5, "\(delay) is not just above 4 s")
    }

    @Test("the initializer clamps: maximum not below initial, multiplier at least 1, jitter within 0...1")
    func initializerClamps() {
        let inverted = RetryBackoff(initial: .seconds(60), maximum: .seconds(10), jitter: 0)
        #expect(inverted.maximum == .seconds(60))
        #expect(inverted.delay(afterFailures: 5, random: 0) == .seconds(60))

        let shrinking = RetryBackoff(initial: .seconds(8), maximum: .seconds(100), multiplier: 0.5, jitter: 0)
        #expect(shrinking.multiplier == 1)
        #expect(shrinking.delay(afterFailures: 4, random: 0) == .seconds(8), "a multiplier below 1 does not shrink the delay")

        #expect(RetryBackoff(jitter: -0.5).jitter == 0)
        #expect(RetryBackoff(jitter: 3).jitter == 1)
        #expect(RetryBackoff(jitter: 3).delay(afterFailures: 1, random: 0.5) == .milliseconds(2500))
    }

    @Test("the defaults retry after 5 s, 10 s, 20 s, ... up to 5 minutes with 20 % jitter")
    func defaults() {
        let backoff = RetryBackoff()
        #expect(backoff.initial == .seconds(5))
        #expect(backoff.maximum == .seconds(300))
        #expect(backoff.multiplier == 2)
        #expect(backoff.jitter == 0.2)
    }

    @Test("a policy survives a JSON round trip")
    func codable() throws {
        let backoff = RetryBackoff(initial: .seconds(2), maximum: .seconds(90), multiplier: 1.5, jitter: 0.1)
        let decoded = try JSONDecoder().decode(RetryBackoff.self, from: JSONEncoder().encode(backoff))
        #expect(decoded == backoff)
    }
}
