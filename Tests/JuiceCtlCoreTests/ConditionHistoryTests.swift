import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Condition history")
struct ConditionHistoryTests {
    static let earlier = CheckpointFixture.date("2026-11-20T09:00:00Z")
    static let now = CheckpointFixture.date("2026-11-20T10:00:00Z")

    static func condition(_ type: ConditionType, _ status: Bool, _ reason: ConditionReason, since: Date? = nil, message: String = "m")
        -> Condition
    {
        Condition(type: type, status: status, reason: reason, message: message, observedRevision: "r1", since: since)
    }

    @Test("a condition that keeps its status and reason keeps its since and is not reported as changed")
    func unchangedKeepsSince() {
        let previous = [Self.condition(.ready, true, .converged, since: Self.earlier)]
        let current = [Self.condition(.ready, true, .converged, message: "another message")]
        let (conditions, changed) = ConditionHistory.merge(previous: previous, current: current, now: Self.now)
        #expect(conditions.map(\.since) == [Self.earlier])
        #expect(conditions.map(\.message) == ["another message"], "the current condition is kept, only since is carried")
        #expect(changed.isEmpty, "a new message alone is not a change")
    }

    @Test("a new reason with the same status keeps since but is reported as changed")
    func reasonChangeKeepsSinceButIsReported() {
        let previous = [Self.condition(.ready, false, .notMounted, since: Self.earlier)]
        let current = [Self.condition(.ready, false, .changesPending)]
        let (conditions, changed) = ConditionHistory.merge(previous: previous, current: current, now: Self.now)
        #expect(conditions.first?.since == Self.earlier)
        #expect(changed.map(\.reason) == [.changesPending])
        #expect(changed.first?.since == Self.earlier, "the changed list holds the merged condition")
    }

    @Test("a status that flips resets since to now and is reported as changed", arguments: [true, false])
    func flipResetsSince(before: Bool) {
        let previous = [Self.condition(.degraded, before, .staleMount, since: Self.earlier)]
        let current = [Self.condition(.degraded, !before, .staleMount)]
        let (conditions, changed) = ConditionHistory.merge(previous: previous, current: current, now: Self.now)
        #expect(conditions.first?.since == Self.now)
        #expect(changed.map(\.type) == [.degraded])
        #expect(changed.first?.status == !before)
    }

    @Test("a condition not seen before gets since now and is reported as changed")
    func newConditionIsChanged() {
        let previous = [Self.condition(.ready, true, .converged, since: Self.earlier)]
        let current = [Self.condition(.ready, true, .converged), Self.condition(.stalled, true, .conflict(.refuseFormatOverData))]
        let (conditions, changed) = ConditionHistory.merge(previous: previous, current: current, now: Self.now)
        #expect(conditions.map(\.since) == [Self.earlier, Self.now])
        #expect(changed.map(\.type) == [.stalled])
    }

    @Test("with no history every condition is new: since now, all reported")
    func firstObservation() {
        let current = [Self.condition(.ready, true, .converged), Self.condition(.degraded, false, .healthy)]
        let (conditions, changed) = ConditionHistory.merge(previous: [], current: current, now: Self.now)
        #expect(conditions.allSatisfy { $0.since == Self.now })
        #expect(changed.map(\.type) == [.ready, .degraded])
    }

    @Test("a kept status whose previous since is unknown starts now, and is not reported")
    func unknownPreviousSince() {
        let previous = [Self.condition(.ready, true, .converged, since: nil)]
        let (conditions, changed) = ConditionHistory.merge(
            previous: previous, current: [Self.condition(.ready, true, .converged)], now: Self.now)
        #expect(conditions.first?.since == Self.now)
        #expect(changed.isEmpty)
    }

    @Test("a since in the current condition is replaced by the history's")
    func currentSinceIsOverridden() {
        let previous = [Self.condition(.ready, true, .converged, since: Self.earlier)]
        let current = [Self.condition(.ready, true, .converged, since: CheckpointFixture.date("2030-01-01"))]
        #expect(ConditionHistory.merge(previous: previous, current: current, now: Self.now).conditions.first?.since == Self.earlier)
    }

    @Test("conditions that disappeared are dropped and not reported; the current order is kept")
    func droppedAndOrder() {
        let previous = [
            Self.condition(.stalled, true, .conflict(.mountPointOccupied), since: Self.earlier),
            Self.condition(.ready, true, .converged, since: Self.earlier),
            Self.condition(.degraded, false, .healthy, since: Self.earlier),
        ]
        let current = [Self.condition(.degraded, false, .healthy), Self.condition(.ready, true, .converged)]
        let (conditions, changed) = ConditionHistory.merge(previous: previous, current: current, now: Self.now)
        #expect(conditions.map(\.type) == [.degraded, .ready])
        #expect(conditions.allSatisfy { $0.since == Self.earlier })
        #expect(changed.isEmpty)
    }

    @Test("each type is matched with its own history over a sequence of passes")
    func sequenceOfPasses() {
        let t1 = CheckpointFixture.date("2026-11-20T10:00:00Z")
        let t2 = CheckpointFixture.date("2026-11-20T10:05:00Z")
        let t3 = CheckpointFixture.date("2026-11-20T10:10:00Z")
        var history = ConditionHistory.merge(
            previous: [],
            current: [
                Self.condition(.ready, false, .notMounted),
                Self.condition(.suspended, false, .active),
            ], now: t1
        ).conditions
        history =
            ConditionHistory.merge(
                previous: history,
                current: [
                    Self.condition(.ready, true, .converged),
                    Self.condition(.suspended, false, .active),
                ], now: t2
            ).conditions
        let last = ConditionHistory.merge(
            previous: history,
            current: [
                Self.condition(.ready, true, .converged),
                Self.condition(.suspended, true, .suspendedBySpec),
            ], now: t3)
        #expect(last.conditions.map(\.since) == [t2, t3])
        #expect(last.changed.map(\.type) == [.suspended])
    }
}
