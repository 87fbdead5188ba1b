import Foundation
import Testing

@testable import JuiceCtlCore

/// Which slot a scheduled checkpoint is owed for, and when the next one is due, given the checkpoints on the volume.
@Suite("Checkpoint schedule: due slot and next checkpoint")
struct ScheduleDueTests {
    static func date(_ text: String) -> Date { CheckpointFixture.date(text) }
    static func entry(_ name: String, _ created: String, kind: CheckpointKind = .scheduled) -> CheckpointEntry {
        CheckpointFixture.entry(name, created, kind: kind)
    }

    /// `@hourly` at 10:37: the latest slot is 10:00.
    static let now = date("2026-11-20T10:37:00Z")
    static let slot = date("2026-11-20T10:00:00Z")
    static let slotName = "auto-20261120T100000Z"

    // MARK: dueSlot

    @Test("with no checkpoint at all, the latest slot is due")
    func untakenLatestSlotIsDue() throws {
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.dueSlot(at: Self.now, checkpoints: []) == Self.slot)
    }

    @Test("the name of the slot's checkpoint is auto- and its UTC timestamp")
    func slotName() {
        #expect(CheckpointName.scheduled(slot: Self.slot) == Self.slotName)
    }

    @Test(
        "a checkpoint named for the slot takes it, whatever its manifest says",
        arguments: [
            CheckpointFixture.entry("auto-20261120T100000Z", "2026-11-20T10:00:00Z"),
            CheckpointFixture.entry("auto-20261120T100000Z", "2026-11-20T09:00:00Z"),
            CheckpointFixture.entry("auto-20261120T100000Z", "2026-11-20T10:05:00Z", kind: .manual),
            CheckpointFixture.bare("auto-20261120T100000Z"),
        ])
    func namedCheckpointTakesSlot(entry: CheckpointEntry) throws {
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.dueSlot(at: Self.now, checkpoints: [entry]) == nil)
    }

    @Test(
        "a scheduled checkpoint created at or after the slot takes it, under any name",
        arguments: [
            "2026-11-20T10:00:00Z", "2026-11-20T10:00:01Z", "2026-11-20T10:36:59Z",
        ])
    func scheduledCheckpointAfterSlotTakesIt(created: String) throws {
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.dueSlot(at: Self.now, checkpoints: [Self.entry("nightly-by-other-name", created)]) == nil)
    }

    @Test("scheduled checkpoints from before the slot do not take it")
    func scheduledCheckpointBeforeSlot() throws {
        let schedule = try CheckpointSchedule("@hourly")
        let checkpoints = [
            Self.entry("auto-20261120T090000Z", "2026-11-20T09:00:00Z"),
            Self.entry("auto-20261120T080000Z", "2026-11-20T08:00:02Z"),
        ]
        #expect(schedule.dueSlot(at: Self.now, checkpoints: checkpoints) == Self.slot)
    }

    @Test(
        "manual, pre-restore and manifest-less checkpoints taken after the slot do not take it",
        arguments: [
            CheckpointFixture.entry("before-upgrade", "2026-11-20T10:05:00Z", kind: .manual),
            CheckpointFixture.entry("pre-restore-20261120T101000Z", "2026-11-20T10:10:00Z", kind: .preRestore),
            CheckpointFixture.bare("made-by-hand"),
        ])
    func otherKindsDoNotTakeSlot(entry: CheckpointEntry) throws {
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.dueSlot(at: Self.now, checkpoints: [entry]) == Self.slot)
    }

    @Test("after a day with the host down, exactly one slot is due: the latest; once taken, none is until the next slot")
    func missedSlotsGiveOneDueSlot() throws {
        let schedule = try CheckpointSchedule("@hourly")
        var checkpoints = [Self.entry("auto-20261119T090000Z", "2026-11-19T09:00:05Z")]
        #expect(schedule.dueSlot(at: Self.now, checkpoints: checkpoints) == Self.slot, "not 2026-11-19 10:00, the first missed slot")

        checkpoints.append(Self.entry(CheckpointName.scheduled(slot: Self.slot), "2026-11-20T10:37:00Z"))
        #expect(schedule.dueSlot(at: Self.now, checkpoints: checkpoints) == nil, "the 24 missed slots are not taken one by one")
        #expect(schedule.dueSlot(at: Self.date("2026-11-20T10:59:59Z"), checkpoints: checkpoints) == nil)
        #expect(schedule.dueSlot(at: Self.date("2026-11-20T11:00:00Z"), checkpoints: checkpoints) == Self.date("2026-11-20T11:00:00Z"))
    }

    @Test("a late checkpoint for a slot, taken after the next slot began, takes the next slot too")
    func lateCheckpointCoversNextSlot() throws {
        let schedule = try CheckpointSchedule("@every 15m")
        let checkpoints = [Self.entry("auto-20261120T103000Z", "2026-11-20T10:46:00Z")]
        #expect(schedule.dueSlot(at: Self.date("2026-11-20T10:50:00Z"), checkpoints: checkpoints) == nil)
    }

    @Test("the newest scheduled checkpoint decides, not the first one listed")
    func newestScheduledDecides() throws {
        let schedule = try CheckpointSchedule("@hourly")
        let checkpoints = [
            Self.entry("b", "2026-11-19T10:00:00Z"), Self.entry("a", "2026-11-20T10:01:00Z"),
            Self.entry("c", "2026-11-18T10:00:00Z"),
        ]
        #expect(schedule.dueSlot(at: Self.now, checkpoints: checkpoints) == nil)
    }

    @Test("no slot within five years means nothing is due and nothing is next")
    func neverMatchingSchedule() throws {
        let schedule = try CheckpointSchedule("0 0 30 2 *")
        #expect(schedule.dueSlot(at: Self.now, checkpoints: []) == nil)
        #expect(schedule.nextCheckpoint(at: Self.now, checkpoints: []) == nil)
    }

    // MARK: nextCheckpoint

    @Test("the next checkpoint is the owed slot while it is untaken, even though it is in the past")
    func nextCheckpointIsOwedSlot() throws {
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.nextCheckpoint(at: Self.now, checkpoints: []) == Self.slot)
    }

    @Test("once the latest slot is taken, the next checkpoint is the next slot")
    func nextCheckpointIsNextSlot() throws {
        let schedule = try CheckpointSchedule("@hourly")
        let checkpoints = [Self.entry(Self.slotName, "2026-11-20T10:00:01Z")]
        #expect(schedule.nextCheckpoint(at: Self.now, checkpoints: checkpoints) == Self.date("2026-11-20T11:00:00Z"))
    }

    @Test("an owed slot does not make juicectl run wake at once; the next slot after taking it does wake it")
    func owedSlotAndWakeTime() throws {
        let schedule = try CheckpointSchedule("@hourly")
        let lastPass = Self.date("2026-11-20T10:35:00Z")
        let owed = try #require(schedule.nextCheckpoint(at: Self.now, checkpoints: []))
        #expect(
            WakeTime.next(now: Self.now, lastPass: lastPass, interval: .seconds(300), nextCheckpoint: owed, retry: RetryState())
                == Self.date("2026-11-20T10:40:00Z"))

        let taken = [Self.entry(Self.slotName, "2026-11-20T10:37:00Z")]
        let next = try #require(schedule.nextCheckpoint(at: Self.now, checkpoints: taken))
        #expect(
            WakeTime.next(now: Self.now, lastPass: Self.now, interval: .seconds(3600), nextCheckpoint: next, retry: RetryState())
                == Self.date("2026-11-20T11:00:00Z").addingTimeInterval(WakeTime.slotMargin))
    }

    // MARK: Calendar arithmetic, UTC only

    /// `count` successive slots of `schedule` strictly after `start`.
    static func slots(_ schedule: String, after start: String, count: Int) throws -> [Date] {
        let parsed = try CheckpointSchedule(schedule)
        var result: [Date] = []
        var cursor = date(start)
        for _ in 0..<count {
            let next = try #require(parsed.nextSlot(after: cursor))
            result.append(next)
            cursor = next
        }
        return result
    }

    @Test("0 0 31 * * runs only in months with a 31st: it skips February and every 30-day month")
    func thirtyFirstSkipsShortMonths() throws {
        let slots = try Self.slots("0 0 31 * *", after: "2026-01-31T00:00:00Z", count: 6)
        #expect(slots == ["2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31", "2026-10-31", "2026-12-31"].map(Self.date))
    }

    @Test("0 0 29 2 * finds the next leap day: 2028-02-29, then 2032-02-29")
    func leapDay() throws {
        #expect(
            try Self.slots("0 0 29 2 *", after: "2026-01-01T00:00:00Z", count: 2) == [Self.date("2028-02-29"), Self.date("2032-02-29")])
    }

    @Test("@monthly from the last minute of January 31 is February 1 at midnight, then March 1")
    func monthlyFromJanuaryEnd() throws {
        #expect(try Self.slots("@monthly", after: "2026-01-31T23:59:00Z", count: 2) == [Self.date("2026-02-01"), Self.date("2026-03-01")])
    }

    @Test("@monthly with a scheduled checkpoint on January 1 is next due on February 1")
    func monthlyNextCheckpoint() throws {
        let schedule = try CheckpointSchedule("@monthly")
        let checkpoints = [Self.entry("auto-20260101T000000Z", "2026-01-01T00:00:03Z")]
        #expect(schedule.nextCheckpoint(at: Self.date("2026-01-31T23:59:00Z"), checkpoints: checkpoints) == Self.date("2026-02-01"))
    }

    @Test(
        "schedules are UTC: across a European daylight saving change, @hourly slots stay 60 minutes apart",
        arguments: [
            "2026-03-29T00:30:00Z", "2026-10-25T00:30:00Z",
        ])
    func hourlyAcrossDaylightSaving(start: String) throws {
        let slots = try Self.slots("@hourly", after: start, count: 3)
        let first = Self.date(start).addingTimeInterval(1800)
        #expect(slots == [first, first.addingTimeInterval(3600), first.addingTimeInterval(7200)])
        #expect(zip(slots, slots.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 3600 })
    }

    @Test("on 2026-03-29 @hourly gives 01:00Z then 02:00Z, the hour Europe skips locally")
    func hourlyOnSpringForward() throws {
        let slots = try Self.slots("@hourly", after: "2026-03-29T00:30:00Z", count: 2)
        #expect(slots == [Self.date("2026-03-29T01:00:00Z"), Self.date("2026-03-29T02:00:00Z")])
        let schedule = try CheckpointSchedule("@hourly")
        #expect(schedule.dueSlot(at: Self.date("2026-03-29T02:10:00Z"), checkpoints: []) == Self.date("2026-03-29T02:00:00Z"))
        #expect(CheckpointName.scheduled(slot: Self.date("2026-03-29T02:00:00Z")) == "auto-20260329T020000Z")
    }

    @Test("a daily slot at 02:30 exists on the day Europe skips 02:00-03:00 locally, because slots are UTC")
    func dailyInSkippedLocalHour() throws {
        let slots = try Self.slots("30 2 * * *", after: "2026-03-28T12:00:00Z", count: 2)
        #expect(slots == [Self.date("2026-03-29T02:30:00Z"), Self.date("2026-03-30T02:30:00Z")])
    }
}
