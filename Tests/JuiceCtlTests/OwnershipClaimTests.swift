import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

/// Every branch of the claim protocol, over an in-memory store in virtual time.
@Suite("Ownership claim: claim, takeover, release and standing, in virtual time")
struct OwnershipClaimTests {
    typealias F = OwnershipFixture

    struct Refused: Error {}

    // MARK: Claim

    @Test func aClaimOfNoRecordWritesGenerationOneWaitsTheSettleTimeAndWins() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let memory = InMemoryOwnershipMemory()
        let outcome = try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        guard case .claimed(let record) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(record.generation == 1 && record.instance == "instance-a" && record.state == .owned)
        #expect(record.volume == F.volume && record.uuid == "uuid-1" && record.host == "host-a" && record.pid == 4242)
        #expect(store.record == record)
        #expect(memory.remembered == RememberedOwnership(record, location: store.location))
        #expect(time.now == F.settle, "one settle time, nothing else (the store answers at once)")
        #expect(store.applied.map(Self.kind) == ["read", "write", "read"])
    }

    @Test func aClaimOverAReleasedRecordBumpsTheGeneration() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore(F.record("b", generation: 4, state: .released))
        let outcome = try await time.run { try await F.claim("a", store: store, time: time).claim() }
        #expect(outcome.owns && outcome.record?.generation == 5 && outcome.record?.instance == "instance-a")
    }

    @Test func aClaimOfAVolumeAnotherInstanceOwnsWritesNothing() async throws {
        let time = VirtualTime()
        let theirs = F.record("b", generation: 3)
        let store = InMemoryOwnershipStore(theirs)
        let outcome = try await time.run { try await F.claim("a", store: store, time: time).claim() }
        #expect(outcome == .ownedElsewhere(theirs, fencedGeneration: nil))
        #expect(store.writes.isEmpty && time.now == .zero)
    }

    @Test func aClaimByTheOwnerAtTheGenerationItRemembersWritesNothing() async throws {
        let time = VirtualTime()
        let mine = F.record("a", generation: 7)
        let store = InMemoryOwnershipStore(mine)
        let outcome = try await time.run { try await F.claim("a", store: store, memory: F.memory(of: mine), time: time).claim() }
        #expect(outcome == .alreadyOwned(mine))
        #expect(store.writes.isEmpty)
    }

    @Test func aRecordOfThisInstanceItDoesNotRememberConfirmingIsClaimedAgainWithANewGeneration() async throws {
        // A claim killed after its write: the record is this instance's, the memory still has generation 2.
        let time = VirtualTime()
        let store = InMemoryOwnershipStore(F.record("a", generation: 3))
        let memory = F.memory(of: F.record("a", generation: 2))
        let outcome = try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        #expect(outcome.owns && outcome.record?.generation == 4)
        #expect(memory.remembered?.generation == 4)
    }

    @Test func aClaimWhoseReadBackFindsAnotherWriteLosesAndRemembersNothing() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let theirs = F.record("b", generation: 1)
        store.afterApply = { operation in
            if case .write(let record, _) = operation, record.instance == "instance-a" { store.record = theirs }
        }
        let memory = InMemoryOwnershipMemory()
        let outcome = try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        #expect(outcome == .lostRace(theirs))
        #expect(!outcome.owns && memory.remembered == nil)
    }

    @Test func aReadBackThatFindsNoRecordLoses() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        store.afterApply = { operation in
            if case .write = operation { store.record = nil }
        }
        let outcome = try await time.run { try await F.claim("a", store: store, time: time).claim() }
        #expect(outcome == .lostRace(nil))
    }

    @Test func anInstanceWhoseVolumeWasTakenOverIsToldItWasFenced() async throws {
        let time = VirtualTime()
        let mine = F.record("a", generation: 5)
        let theirs = F.record("b", generation: 6)
        let store = InMemoryOwnershipStore(theirs)
        let claim = F.claim("a", store: store, memory: F.memory(of: mine), time: time)
        #expect(try await time.run { try await claim.claim() } == .ownedElsewhere(theirs, fencedGeneration: 5))
        #expect(try await time.run { try await claim.standing() } == .fenced(by: theirs, lostGeneration: 5))
        #expect(store.writes.isEmpty)
    }

    @Test func aClaimerDelayedPastHalfTheSettleTimeBetweenReadAndWriteStartsOver() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let reads = Mutex(0)
        // The first read answers after 1.1 s (more than settle/2 = 1 s), the others at once.
        store.afterApply = { operation in
            guard case .read = operation,
                reads.withLock({
                    $0 += 1
                    return $0
                }) == 1
            else { return }
            try await time.sleep(.milliseconds(1100))
        }
        let steps = StepLog()
        let outcome = try await time.run {
            try await F.claim("a", store: store, time: time, progress: steps.record).claim()
        }
        #expect(outcome.owns && outcome.record?.generation == 1)
        #expect(steps.all.contains(.restarted(elapsed: .milliseconds(1100))))
        #expect(store.applied.map(Self.kind) == ["read", "read", "write", "read"], "no write in the slow attempt")
    }

    @Test func aClaimWhoseEveryReadIsSlowGivesUpWithATypedError() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        store.afterApply = { operation in
            if case .read = operation { try await time.sleep(.milliseconds(1500)) }
        }
        await #expect {
            try await time.run { try await F.claim("a", store: store, time: time, maxAttempts: 3).claim() }
        } throws: { error in
            guard case .storeTooSlow(let location, 3, .seconds(2))? = error as? OwnershipError else { return false }
            return location == store.location && "\(error)".contains("raise the settle time")
        }
        #expect(store.writes.isEmpty)
    }

    @Test func theWriteIsGivenWhatIsLeftOfTheSettleTimeLessTheMargin() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        store.afterApply = { operation in
            if case .read = operation, store.writes.isEmpty { try await time.sleep(.milliseconds(500)) }
        }
        _ = try await time.run { try await F.claim("a", store: store, time: time).claim() }
        let deadlines = store.applied.compactMap { operation -> Duration? in
            if case .write(_, let deadline) = operation { deadline } else { nil }
        }
        // settle 2 s - 0.5 s elapsed - 0.2 s margin.
        #expect(deadlines == [.milliseconds(1300)])
    }

    @Test func aWriteThatReturnsAfterItsBudgetIsNotTrusted() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        // A store that does not keep its deadline: the write returns 3 s later.
        store.afterApply = { operation in
            if case .write = operation { try await time.sleep(.seconds(3)) }
        }
        let memory = InMemoryOwnershipMemory()
        await #expect {
            try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        } throws: { error in
            guard case .writeOutlivedBudget? = error as? OwnershipError else { return false }
            return "\(error)".contains("claim again")
        }
        #expect(memory.remembered == nil)
    }

    @Test func theRecordOfAnotherVolumeAtTheLocationIsAnError() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore(F.record("b", generation: 1, volume: "other"))
        await #expect {
            try await time.run { try await F.claim("a", store: store, time: time).claim() }
        } throws: { error in
            (error as? OwnershipError) == .foreignRecord(location: store.location, found: "other", expected: F.volume)
                && "\(error)".contains("Give each volume its own backup.replica prefix or path")
        }
        #expect(store.writes.isEmpty)
    }

    @Test func aStoreThatCannotBeReadStopsTheClaimBeforeAnyWrite() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        store.beforeApply = { _ in throw Refused() }
        await #expect(throws: Refused.self) {
            try await time.run { try await F.claim("a", store: store, time: time).claim() }
        }
        #expect(store.applied.isEmpty)
    }

    @Test func aStoreThatFailsTheReadBackLeavesTheClaimUnconfirmed() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        store.beforeApply = { operation in
            if case .read = operation, !store.writes.isEmpty { throw Refused() }
        }
        let memory = InMemoryOwnershipMemory()
        await #expect(throws: Refused.self) {
            try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        }
        #expect(memory.remembered == nil)
        // The same instance, once the store answers, claims again with a new generation.
        store.beforeApply = nil
        let again = try await time.run { try await F.claim("a", store: store, memory: memory, time: time).claim() }
        #expect(again.owns && again.record?.generation == 2)
    }

    // MARK: Takeover

    @Test func aTakeoverMovesOwnershipFromAnotherInstanceAndBumpsTheGeneration() async throws {
        let time = VirtualTime()
        let theirs = F.record("b", generation: 3)
        let store = InMemoryOwnershipStore(theirs)
        let outcome = try await time.run { try await F.claim("a", store: store, time: time).takeover() }
        guard case .claimed(let record) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(record.generation == 4 && record.instance == "instance-a")
        // The old owner, back, finds it was fenced.
        let old = F.claim("b", store: store, memory: F.memory(of: theirs), time: time)
        #expect(try await time.run { try await old.claim() } == .ownedElsewhere(record, fencedGeneration: 3))
        #expect(try await time.run { try await old.standing() } == .fenced(by: record, lostGeneration: 3))
        #expect(try await time.run { try await old.release() } == .notOwner(record))
    }

    @Test func aTakeoverOfAVolumeThisInstanceOwnsWritesNothing() async throws {
        let time = VirtualTime()
        let mine = F.record("a", generation: 2)
        let store = InMemoryOwnershipStore(mine)
        let outcome = try await time.run { try await F.claim("a", store: store, memory: F.memory(of: mine), time: time).takeover() }
        #expect(outcome == .alreadyOwned(mine))
        #expect(store.writes.isEmpty)
    }

    @Test func aTakeoverOfNoRecordIsAClaim() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let outcome = try await time.run { try await F.claim("a", store: store, time: time).takeover() }
        #expect(outcome.owns && outcome.record?.generation == 1)
    }

    // MARK: Release

    @Test func theOwnerReleasesAtTheSameGenerationWithANewNonceAndASecondReleaseWritesNothing() async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let memory = InMemoryOwnershipMemory()
        let claim = F.claim("a", store: store, memory: memory, time: time)
        let claimed = try #require(try await time.run { try await claim.claim() }.record)
        let outcome = try await time.run { try await claim.release() }
        guard case .released(let record) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(record.generation == claimed.generation && record.state == .released && record.nonce != claimed.nonce)
        #expect(store.record == record && memory.remembered?.state == .released)
        let writes = store.writes.count
        #expect(try await time.run { try await claim.release() } == .released(record))
        #expect(store.writes.count == writes)
        #expect(try await time.run { try await claim.standing() } == .unowned(record))
        // Another instance may claim it now.
        let other = try await time.run { try await F.claim("b", store: store, time: time).claim() }
        #expect(other.owns && other.record?.generation == claimed.generation + 1)
    }

    @Test func aReleaseByAnInstanceThatDoesNotOwnTheVolumeIsRefused() async throws {
        let time = VirtualTime()
        let theirs = F.record("b", generation: 3)
        let store = InMemoryOwnershipStore(theirs)
        #expect(try await time.run { try await F.claim("a", store: store, time: time).release() } == .notOwner(theirs))
        // Even one that remembers the same generation: the instance differs.
        let sameGeneration = F.memory(of: F.record("a", generation: 3))
        #expect(
            try await time.run {
                try await F.claim("a", store: store, memory: sameGeneration, time: time).release()
            } == .notOwner(theirs))
        let empty = InMemoryOwnershipStore()
        #expect(try await time.run { try await F.claim("a", store: empty, time: time).release() } == .notOwner(nil))
        #expect(store.writes.isEmpty && empty.writes.isEmpty)
    }

    @Test func aReleaseOfThisInstancesRecordAtAnotherGenerationThanRememberedIsRefused() async throws {
        let time = VirtualTime()
        let record = F.record("a", generation: 4)
        let store = InMemoryOwnershipStore(record)
        let memory = F.memory(of: F.record("a", generation: 3))
        #expect(try await time.run { try await F.claim("a", store: store, memory: memory, time: time).release() } == .notOwner(record))
        #expect(store.writes.isEmpty)
    }

    @Test func aReleaseDelayedPastHalfTheSettleTimeStartsOver() async throws {
        let time = VirtualTime()
        let mine = F.record("a", generation: 2)
        let store = InMemoryOwnershipStore(mine)
        let reads = Mutex(0)
        store.afterApply = { operation in
            guard case .read = operation,
                reads.withLock({
                    $0 += 1
                    return $0
                }) == 1
            else { return }
            try await time.sleep(.seconds(1) + .milliseconds(1))
        }
        let steps = StepLog()
        let outcome = try await time.run {
            try await F.claim("a", store: store, memory: F.memory(of: mine), time: time, progress: steps.record).release()
        }
        #expect(outcome == .released(try #require(store.record)))
        #expect(steps.restarts == 1 && store.writes.count == 1)
    }

    // MARK: Standing

    @Test func standingSaysWhatTheRecordMeansForThisInstance() async throws {
        let time = VirtualTime()
        let mine = F.record("a", generation: 2)
        func standing(_ record: OwnershipRecord?, remembered: OwnershipRecord?) async throws -> OwnershipStanding {
            let memory = remembered.map(F.memory(of:)) ?? InMemoryOwnershipMemory()
            let claim = F.claim("a", store: InMemoryOwnershipStore(record), memory: memory, time: time)
            return try await time.run { try await claim.standing() }
        }
        #expect(try await standing(mine, remembered: mine) == .owned(mine))
        #expect(try await standing(nil, remembered: nil) == .unowned(nil))
        let released = F.record("b", generation: 2, state: .released)
        #expect(try await standing(released, remembered: nil) == .unowned(released))
        let theirs = F.record("b", generation: 3)
        #expect(try await standing(theirs, remembered: nil) == .ownedElsewhere(theirs))
        #expect(try await standing(nil, remembered: mine) == .fenced(by: nil, lostGeneration: 2))
        let unconfirmed = F.record("a", generation: 3)
        #expect(try await standing(unconfirmed, remembered: mine) == .unowned(unconfirmed))
    }

    // MARK: Interrupted claims

    /// A claim cancelled at each step, as a killed process stops there; then the same instance and another one
    /// claim: the volume converges to one owner.
    @Test(arguments: ["read", "wrote", "settled", "readBack"])
    func aClaimKilledAtAStepConvergesToOneOwner(_ stop: String) async throws {
        let time = VirtualTime()
        let store = InMemoryOwnershipStore()
        let memoryA = InMemoryOwnershipMemory()
        let cancelAt: @Sendable (OwnershipStep) -> Void = { step in
            if step.name == stop { withUnsafeCurrentTask { $0?.cancel() } }
        }
        await #expect(throws: CancellationError.self) {
            try await time.run { try await F.claim("a", store: store, memory: memoryA, time: time, progress: cancelAt).claim() }
        }
        #expect(memoryA.remembered == nil, "nothing confirmed")
        // Another instance: owned elsewhere if a's write took effect, else it claims.
        let memoryB = InMemoryOwnershipMemory()
        let b = try await time.run { try await F.claim("b", store: store, memory: memoryB, time: time).claim() }
        let a = try await time.run { try await F.claim("a", store: store, memory: memoryA, time: time).claim() }
        if stop == "read" {
            #expect(b.owns && !a.owns, "a wrote nothing: b claims, a finds b")
        } else {
            #expect(!b.owns && a.owns, "a's unconfirmed record holds: b finds a, a claims again")
            #expect(a.record?.generation == 2)
        }
        var owners = 0
        for (name, memory) in [("a", memoryA), ("b", memoryB)] {
            let claim = F.claim(name, store: store, memory: memory, time: time)
            if case .owned = try await time.run({ try await claim.standing() }) { owners += 1 }
        }
        #expect(owners == 1)
    }

    // MARK: Helpers

    static func kind(_ operation: InMemoryOwnershipStore.Operation) -> String {
        switch operation {
        case .read: "read"
        case .write: "write"
        }
    }

}
