import Foundation
import Testing

@testable import JuiceCtlCore

/// The wake-up time with a fixed clock: every date is a plain value, nothing sleeps.
@Suite("Wake time")
struct WakeTimeTests {
    static func date(_ text: String) -> Date { CheckpointFixture.date(text) }

    static let now = date("2026-11-20T10:00:00Z")
    static let interval = Duration.seconds(300)

    /// A record with `failures` failures whose next attempt is at `attempt`.
    static func retrying(at attempt: Date, failures: Int = 1) -> RetryState {
        var state = RetryState()
        state.failures = failures
        state.nextAttempt = attempt
        state.lastError = "boom"
        return state
    }

    @Test("without a last pass the volume is looked at now, whatever the schedule or retry say")
    func noLastPassIsNow() {
        #expect(WakeTime.next(now: Self.now, lastPass: nil, interval: Self.interval, nextCheckpoint: nil, retry: RetryState()) == Self.now)
        #expect(
            WakeTime.next(
                now: Self.now, lastPass: nil, interval: Self.interval,
                nextCheckpoint: Self.date("2026-11-20T10:01:00Z"),
                retry: Self.retrying(at: Self.date("2026-11-20T10:02:00Z"))) == Self.now)
    }

    @Test("the periodic pass is the last pass plus the interval")
    func periodic() {
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        #expect(
            WakeTime.next(now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: nil, retry: RetryState())
                == Self.date("2026-11-20T10:03:00Z"))
    }

    @Test("a checkpoint slot before the periodic pass wakes the volume just after the slot begins")
    func earlierSlotWins() {
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        let slot = Self.date("2026-11-20T10:01:00Z")
        let wake = WakeTime.next(now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: slot, retry: RetryState())
        #expect(wake == slot.addingTimeInterval(WakeTime.slotMargin))
        #expect(wake > slot, "the pass must see the slot as begun")
    }

    @Test("a checkpoint slot after the periodic pass changes nothing")
    func laterSlotLoses() {
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        #expect(
            WakeTime.next(
                now: Self.now, lastPass: lastPass, interval: Self.interval,
                nextCheckpoint: Self.date("2026-11-20T11:00:00Z"), retry: RetryState())
                == Self.date("2026-11-20T10:03:00Z"))
    }

    @Test(
        "an owed slot (at or before now) never wakes the volume at once: the periodic pass takes it",
        arguments: [
            "2026-11-20T10:00:00Z", "2026-11-20T09:59:59Z", "2026-11-19T00:00:00Z",
        ])
    func owedSlotDoesNotSpin(slot: String) {
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        let wake = WakeTime.next(
            now: Self.now, lastPass: lastPass, interval: Self.interval,
            nextCheckpoint: Self.date(slot), retry: RetryState())
        #expect(wake == Self.date("2026-11-20T10:03:00Z"))
        #expect(wake > Self.now)
    }

    @Test("an owed slot does not wake a failing volume before its retry either")
    func owedSlotDoesNotOvertakeRetry() {
        let attempt = Self.date("2026-11-20T10:04:00Z")
        let wake = WakeTime.next(
            now: Self.now, lastPass: Self.date("2026-11-20T09:59:00Z"), interval: Self.interval,
            nextCheckpoint: Self.date("2026-11-20T09:00:00Z"), retry: Self.retrying(at: attempt, failures: 3))
        #expect(wake == attempt)
    }

    @Test("during a retry the retry time replaces the periodic pass, later or earlier")
    func retryReplacesPeriod() {
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        let later = Self.date("2026-11-20T10:07:00Z")
        #expect(
            WakeTime.next(
                now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: nil,
                retry: Self.retrying(at: later, failures: 5)) == later, "the backoff is not overtaken by the period")
        let earlier = Self.date("2026-11-20T10:00:05Z")
        #expect(
            WakeTime.next(
                now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: nil,
                retry: Self.retrying(at: earlier)) == earlier)
    }

    @Test("during a retry a future checkpoint slot before the retry still wakes the volume")
    func slotBeforeRetryWakes() {
        let slot = Self.date("2026-11-20T10:02:00Z")
        let wake = WakeTime.next(
            now: Self.now, lastPass: Self.date("2026-11-20T09:59:00Z"), interval: Self.interval,
            nextCheckpoint: slot, retry: Self.retrying(at: Self.date("2026-11-20T10:05:00Z")))
        #expect(wake == slot.addingTimeInterval(WakeTime.slotMargin))
    }

    @Test("a record built by a failure through the real API waits for its backoff, longer than the period")
    func realRetryRecord() {
        var retry = RetryState()
        retry.recordFailure("boom", at: Self.now, backoff: RetryBackoff(initial: .seconds(30), jitter: 0), random: 0)
        let wake = WakeTime.next(now: Self.now, lastPass: Self.now, interval: .seconds(10), nextCheckpoint: nil, retry: retry)
        #expect(wake == Self.now.addingTimeInterval(30))
    }

    @Test("a stalled volume (no retry scheduled) returns to the periodic pass")
    func stallUsesPeriod() {
        var retry = RetryState()
        retry.recordFailure("boom", at: Self.now, backoff: RetryBackoff(jitter: 0), random: 0)
        retry.recordStall(reason: .mountPointOccupied, message: "occupied", revision: "r1", at: Self.now)
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        #expect(
            WakeTime.next(now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: nil, retry: retry)
                == Self.date("2026-11-20T10:03:00Z"))
    }

    @Test("after a success the periodic pass is back")
    func successUsesPeriod() {
        var retry = Self.retrying(at: Self.date("2026-11-20T10:30:00Z"), failures: 4)
        retry.recordSuccess()
        let lastPass = Self.date("2026-11-20T09:58:00Z")
        #expect(
            WakeTime.next(now: Self.now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: nil, retry: retry)
                == Self.date("2026-11-20T10:03:00Z"))
    }

    @Test(
        "the result is never before now: an overdue pass or retry is now",
        arguments: [
            ("2026-11-20T09:00:00Z", nil), ("2026-11-20T09:58:00Z", "2026-11-20T09:59:00Z"),
        ] as [(String, String?)])
    func neverBeforeNow(lastPass: String, attempt: String?) {
        let retry = attempt.map { Self.retrying(at: Self.date($0)) } ?? RetryState()
        let wake = WakeTime.next(now: Self.now, lastPass: Self.date(lastPass), interval: Self.interval, nextCheckpoint: nil, retry: retry)
        #expect(wake == Self.now)
    }

    @Test("over many clocks, the wake-up is never before now and never after the periodic pass without a retry")
    func invariants() throws {
        let schedule = try CheckpointSchedule("@every 7m")
        let lastPass = Self.date("2026-11-20T09:00:00Z")
        for step in 0..<240 {
            let now = lastPass.addingTimeInterval(Double(step) * 17)
            let slot = schedule.nextSlot(after: now.addingTimeInterval(-400))
            let wake = WakeTime.next(now: now, lastPass: lastPass, interval: Self.interval, nextCheckpoint: slot, retry: RetryState())
            #expect(wake >= now)
            #expect(wake <= max(now, lastPass.addingTimeInterval(300)))
        }
    }
}
