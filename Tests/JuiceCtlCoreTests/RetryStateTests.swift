import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Retry state")
struct RetryStateTests {
    static let now = CheckpointFixture.date("2026-11-20T10:00:00Z")
    static let exact = RetryBackoff(jitter: 0)

    @Test("a fresh record has no failures, no retry, no error and no stall, and allows changes")
    func fresh() {
        let state = RetryState()
        #expect(state.failures == 0)
        #expect(state.nextAttempt == nil)
        #expect(state.lastError == nil)
        #expect(state.stall == nil)
        #expect(state.allowsChanges(revision: "r1"))
    }

    @Test("a failure counts, keeps its message and schedules the next attempt at now + the backoff")
    func failureSchedulesRetry() {
        var state = RetryState()
        state.recordFailure("mount failed", at: Self.now, backoff: Self.exact, random: 0)
        #expect(state.failures == 1)
        #expect(state.lastError == "mount failed")
        #expect(state.nextAttempt == Self.now.addingTimeInterval(5))

        let later = Self.now.addingTimeInterval(5)
        state.recordFailure("mount failed again", at: later, backoff: Self.exact, random: 0)
        #expect(state.failures == 2)
        #expect(state.lastError == "mount failed again")
        #expect(state.nextAttempt == later.addingTimeInterval(10), "the second failure waits twice as long")
    }

    @Test("consecutive failures follow the backoff up to its maximum")
    func failuresFollowBackoff() throws {
        var state = RetryState()
        var waits: [TimeInterval] = []
        var clock = Self.now
        for _ in 1...8 {
            state.recordFailure("boom", at: clock, backoff: Self.exact, random: 0)
            let next = try #require(state.nextAttempt)
            waits.append(next.timeIntervalSince(clock))
            clock = next
        }
        #expect(waits == [5, 10, 20, 40, 80, 160, 300, 300])
        #expect(state.failures == 8)
    }

    @Test("the retry time uses the jittered backoff for the random value given")
    func failureUsesJitter() {
        var state = RetryState()
        state.recordFailure("boom", at: Self.now, backoff: RetryBackoff(initial: .seconds(10), jitter: 0.2), random: 0.5)
        #expect(state.nextAttempt == Self.now.addingTimeInterval(9))
    }

    @Test("a success resets the count, the retry, the error and a stall")
    func successResetsEverything() {
        var state = RetryState()
        state.recordFailure("boom", at: Self.now, backoff: Self.exact, random: 0)
        state.recordFailure("boom", at: Self.now, backoff: Self.exact, random: 0)
        state.recordStall(reason: .refuseFormatOverData, message: "refused", revision: "r1", at: Self.now)
        state.recordSuccess()
        #expect(state == RetryState())
        #expect(state.allowsChanges(revision: "r1"))
    }

    @Test("a stall blocks changes at its own revision only; a new revision is allowed")
    func stallBlocksOnlySameRevision() {
        var state = RetryState()
        state.recordStall(reason: .refuseFormatOverData, message: "the bucket holds another volume", revision: "r1", at: Self.now)
        #expect(!state.allowsChanges(revision: "r1"))
        #expect(state.allowsChanges(revision: "r2"))
        #expect(
            state.stall
                == RetryState.Stall(
                    reason: .refuseFormatOverData, message: "the bucket holds another volume",
                    revision: "r1", since: Self.now))
    }

    @Test("a stall schedules no retry and keeps its message as the last error, but keeps the failure count")
    func stallSchedulesNoRetry() {
        var state = RetryState()
        state.recordFailure("transient", at: Self.now, backoff: Self.exact, random: 0)
        #expect(state.nextAttempt != nil)
        state.recordStall(reason: .mountPointOccupied, message: "ext4 is mounted there", revision: "r1", at: Self.now)
        #expect(state.nextAttempt == nil)
        #expect(state.lastError == "ext4 is mounted there")
        #expect(state.failures == 1)
    }

    @Test("a stall recorded again with the same reason and revision keeps its original since (and takes the new message as last error)")
    func repeatedStallKeepsSince() throws {
        var state = RetryState()
        state.recordStall(reason: .mountPointOccupied, message: "first", revision: "r1", at: Self.now)
        let later = Self.now.addingTimeInterval(3600)
        state.recordStall(reason: .mountPointOccupied, message: "second", revision: "r1", at: later)
        let stall = try #require(state.stall)
        #expect(stall.since == Self.now)
        #expect(state.lastError == "second")
        #expect(!state.allowsChanges(revision: "r1"))
    }

    @Test(
        "a stall with another reason or at another revision starts anew",
        arguments: [
            (ConflictCode.refuseFormatOverData, "r1"), (.mountPointOccupied, "r2"),
        ])
    func differentStallRestarts(reason: ConflictCode, revision: String) throws {
        var state = RetryState()
        state.recordStall(reason: .mountPointOccupied, message: "first", revision: "r1", at: Self.now)
        let later = Self.now.addingTimeInterval(60)
        state.recordStall(reason: reason, message: "second", revision: revision, at: later)
        let stall = try #require(state.stall)
        #expect(stall.since == later)
        #expect(stall.reason == reason)
        #expect(stall.revision == revision)
        #expect(stall.message == "second")
    }

    @Test("lifting a stall allows changes again at the same revision and keeps the failure count")
    func liftStall() {
        var state = RetryState()
        state.recordFailure("transient", at: Self.now, backoff: Self.exact, random: 0)
        state.recordStall(reason: .mountPointOccupied, message: "occupied", revision: "r1", at: Self.now)
        state.liftStall()
        #expect(state.stall == nil)
        #expect(state.allowsChanges(revision: "r1"))
        #expect(state.failures == 1)
    }

    @Test("a failure after a stall clears the stall: the error may pass now")
    func failureClearsStall() {
        var state = RetryState()
        state.recordStall(reason: .mountPointOccupied, message: "occupied", revision: "r1", at: Self.now)
        state.recordFailure("timeout", at: Self.now, backoff: Self.exact, random: 0)
        #expect(state.stall == nil)
        #expect(state.allowsChanges(revision: "r1"))
        #expect(state.nextAttempt == Self.now.addingTimeInterval(5))
    }

    @Test("a record survives a JSON round trip")
    func codable() throws {
        var state = RetryState()
        state.recordFailure("boom", at: Self.now, backoff: Self.exact, random: 0)
        state.recordStall(reason: .mountPointOccupied, message: "occupied", revision: "r1", at: Self.now)
        let decoded = try JSONDecoder().decode(RetryState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
