import Foundation
import Testing

@testable import JuiceCtlCore

/// A schedule, an instant, and the slots around it: the latest at or before it and the first strictly after it.
struct ScheduleCase: Sendable, CustomTestStringConvertible {
    var schedule: String
    var at: String
    var last: String?
    var next: String?
    var why: String

    init(_ schedule: String, at: String, last: String?, next: String?, _ why: String) {
        self.schedule = schedule
        self.at = at
        self.last = last
        self.next = next
        self.why = why
    }

    var testDescription: String { "\(schedule) at \(at): \(why)" }

    func check(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let parsed = try CheckpointSchedule(schedule)
        let instant = CheckpointFixture.date(at)
        #expect(parsed.lastSlot(atOrBefore: instant) == last.map(CheckpointFixture.date), "last slot", sourceLocation: sourceLocation)
        #expect(parsed.nextSlot(after: instant) == next.map(CheckpointFixture.date), "next slot", sourceLocation: sourceLocation)
    }
}

@Suite("Checkpoint schedules")
struct CheckpointScheduleTests {
    @Test(
        "@every intervals are aligned to the Unix epoch, so every host agrees on the slots",
        arguments: [
            ScheduleCase("@every 15m", at: "2026-11-20T10:37:42Z", last: "2026-11-20 10:30", next: "2026-11-20 10:45", "quarter hours"),
            ScheduleCase(
                "@every 15m", at: "2026-11-20T10:45:00Z", last: "2026-11-20 10:45", next: "2026-11-20 11:00",
                "an instant on a slot is that slot; the next is strictly after"),
            ScheduleCase("@every 1h", at: "2026-11-20T10:37:00Z", last: "2026-11-20 10:00", next: "2026-11-20 11:00", "whole hours"),
            ScheduleCase(
                "@every 90m", at: "2026-11-20T02:00:00Z", last: "2026-11-20 01:30", next: "2026-11-20 03:00",
                "90 minutes, counted from the epoch, not from midnight of each day"),
            ScheduleCase(
                "@every 15m", at: "2026-12-31T23:59:59Z", last: "2026-12-31 23:45", next: "2027-01-01 00:00", "across the year end"),
            ScheduleCase("@every 1m30s", at: "1970-01-01T00:04:00Z", last: "1970-01-01 00:03", next: "1970-01-01T00:04:30Z", "mixed units"),
        ])
    func everyInterval(row: ScheduleCase) throws {
        try row.check()
    }

    @Test(
        "an odd @every interval still lands on multiples of itself since the epoch",
        arguments: [
            "2026-11-20T10:37:42Z", "2027-02-28T23:59:59Z", "2028-02-29T12:00:00Z",
        ])
    func everyIntervalMultiples(at: String) throws {
        let schedule = try CheckpointSchedule("@every 7m")
        let instant = CheckpointFixture.date(at)
        let last = try #require(schedule.lastSlot(atOrBefore: instant))
        let next = try #require(schedule.nextSlot(after: instant))
        #expect(Int(last.timeIntervalSince1970) % 420 == 0)
        #expect(last <= instant && instant.timeIntervalSince(last) < 420)
        #expect(next.timeIntervalSince(last) == 420)
    }

    @Test(
        "the @ aliases are cron expressions",
        arguments: [
            ScheduleCase("@hourly", at: "2026-11-20T10:37:00Z", last: "2026-11-20 10:00", next: "2026-11-20 11:00", "on the hour"),
            ScheduleCase("@daily", at: "2026-11-20T10:37:00Z", last: "2026-11-20 00:00", next: "2026-11-21 00:00", "at midnight UTC"),
            ScheduleCase("@midnight", at: "2026-11-20T10:37:00Z", last: "2026-11-20 00:00", next: "2026-11-21 00:00", "the same as @daily"),
            ScheduleCase("@weekly", at: "2026-11-20T10:37:00Z", last: "2026-11-15 00:00", next: "2026-11-22 00:00", "Sundays at midnight"),
            ScheduleCase(
                "@monthly", at: "2026-11-20T10:37:00Z", last: "2026-11-01 00:00", next: "2026-12-01 00:00", "the first of the month"),
            ScheduleCase("@yearly", at: "2026-11-20T10:37:00Z", last: "2026-01-01 00:00", next: "2027-01-01 00:00", "New Year"),
            ScheduleCase(
                "@annually", at: "2026-12-31T23:59:59Z", last: "2026-01-01 00:00", next: "2027-01-01 00:00", "the same as @yearly"),
        ])
    func aliases(row: ScheduleCase) throws {
        try row.check()
    }

    @Test(
        "cron fields take lists, ranges, steps and names",
        arguments: [
            ScheduleCase(
                "*/15 * * * *", at: "2026-11-20T10:37:42Z", last: "2026-11-20 10:30", next: "2026-11-20 10:45",
                "a step over *; seconds ignored"),
            ScheduleCase("5,35 * * * *", at: "2026-11-20T10:37:00Z", last: "2026-11-20 10:35", next: "2026-11-20 11:05", "a list"),
            ScheduleCase(
                "10-20/5 * * * *", at: "2026-11-20T10:37:00Z", last: "2026-11-20 10:20", next: "2026-11-20 11:10", "a range with a step"),
            ScheduleCase(
                "50/5 * * * *", at: "2026-11-20T10:37:00Z", last: "2026-11-20 09:55", next: "2026-11-20 10:50",
                "a start with a step runs to the end of the range"),
            ScheduleCase(
                "0 9-17/4 * * *", at: "2026-11-20T18:00:00Z", last: "2026-11-20 17:00", next: "2026-11-21 09:00", "hours 9, 13 and 17"),
            ScheduleCase(
                "30 2 * * MON-FRI", at: "2026-11-21T12:00:00Z", last: "2026-11-20 02:30", next: "2026-11-23 02:30",
                "weekday names: from a Saturday back to Friday and on to Monday"),
            ScheduleCase(
                "0 0 * * sun", at: "2026-11-20T10:37:00Z", last: "2026-11-15 00:00", next: "2026-11-22 00:00", "names in any case"),
            ScheduleCase(
                "0 0 * * 7", at: "2026-11-20T10:37:00Z", last: "2026-11-15 00:00", next: "2026-11-22 00:00", "7 is Sunday, like 0"),
            ScheduleCase(
                "0 0 1 JAN,JUL *", at: "2026-03-15T00:00:00Z", last: "2026-01-01 00:00", next: "2026-07-01 00:00", "month names in a list"),
            ScheduleCase(
                "15 14 1 * *", at: "2026-11-01T14:15:00Z", last: "2026-11-01 14:15", next: "2026-12-01 14:15", "on the slot itself"),
        ])
    func cronFields(row: ScheduleCase) throws {
        try row.check()
    }

    @Test(
        "day-of-month and day-of-week both restricted match either; one restricted matches only it",
        arguments: [
            ScheduleCase(
                "0 0 1 * MON", at: "2026-11-30T12:00:00Z", last: "2026-11-30 00:00", next: "2026-12-01 00:00",
                "Monday the 30th by weekday, then Tuesday the 1st by day of month"),
            ScheduleCase(
                "0 0 1 * MON", at: "2026-11-01T12:00:00Z", last: "2026-11-01 00:00", next: "2026-11-02 00:00",
                "Sunday the 1st by day of month, then Monday the 2nd by weekday"),
            ScheduleCase(
                "0 0 13 * FRI", at: "2026-11-14T12:00:00Z", last: "2026-11-13 00:00", next: "2026-11-20 00:00",
                "Friday the 13th matches both; the next Friday matches by weekday"),
            ScheduleCase(
                "0 0 * * MON", at: "2026-11-20T12:00:00Z", last: "2026-11-16 00:00", next: "2026-11-23 00:00",
                "only the weekday is restricted: Mondays only"),
            ScheduleCase(
                "0 0 1 * *", at: "2026-11-20T12:00:00Z", last: "2026-11-01 00:00", next: "2026-12-01 00:00",
                "only the day of month is restricted: the 1st only"),
        ])
    func dayOfMonthOrDayOfWeek(row: ScheduleCase) throws {
        try row.check()
    }

    @Test(
        "slots across month ends, leap days and the year end",
        arguments: [
            ScheduleCase(
                "0 0 31 * *", at: "2026-11-15T00:00:00Z", last: "2026-10-31 00:00", next: "2026-12-31 00:00",
                "the 31st is skipped in a 30-day month"),
            ScheduleCase(
                "30 23 31 * *", at: "2026-01-31T23:31:00Z", last: "2026-01-31 23:30", next: "2026-03-31 23:30",
                "February has no 31st"),
            ScheduleCase(
                "0 12 30 * *", at: "2026-02-10T00:00:00Z", last: "2026-01-30 12:00", next: "2026-03-30 12:00",
                "February has no 30th"),
            ScheduleCase(
                "0 0 1 * *", at: "2026-02-28T23:59:00Z", last: "2026-02-01 00:00", next: "2026-03-01 00:00",
                "from the last minute of February"),
            ScheduleCase(
                "0 0 29 2 *", at: "2026-06-01T00:00:00Z", last: "2024-02-29 00:00", next: "2028-02-29 00:00",
                "February 29 only in leap years"),
            ScheduleCase("0 0 29 2 *", at: "2028-03-01T00:00:00Z", last: "2028-02-29 00:00", next: "2032-02-29 00:00", "in a leap year"),
            ScheduleCase(
                "0 0 * 2 *", at: "2027-03-01T05:00:00Z", last: "2027-02-28 00:00", next: "2028-02-01 00:00",
                "the last February day of a non-leap year is the 28th"),
            ScheduleCase(
                "0 0 * 2 *", at: "2028-03-01T05:00:00Z", last: "2028-02-29 00:00", next: "2029-02-01 00:00",
                "the last February day of a leap year is the 29th"),
            ScheduleCase("@daily", at: "2028-02-28T12:00:00Z", last: "2028-02-28 00:00", next: "2028-02-29 00:00", "a leap day is a day"),
            ScheduleCase("@daily", at: "2027-02-28T12:00:00Z", last: "2027-02-28 00:00", next: "2027-03-01 00:00", "no leap day in 2027"),
            ScheduleCase(
                "59 23 31 12 *", at: "2027-01-01T00:00:00Z", last: "2026-12-31 23:59", next: "2027-12-31 23:59",
                "the last minute of the year"),
            ScheduleCase("0 0 1 1 *", at: "2026-12-31T23:59:59Z", last: "2026-01-01 00:00", next: "2027-01-01 00:00", "over New Year"),
        ])
    func calendarEdges(row: ScheduleCase) throws {
        try row.check()
    }

    @Test("a cron expression that never matches has no slot within five years")
    func neverMatches() throws {
        let schedule = try CheckpointSchedule("0 0 30 2 *")
        #expect(schedule.lastSlot(atOrBefore: CheckpointFixture.date("2026-11-20")) == nil)
        #expect(schedule.nextSlot(after: CheckpointFixture.date("2026-11-20")) == nil)
    }

    @Test("the schedule keeps its text and is described by it", arguments: ["@every 15m", "0 */6 * * *", "@daily"])
    func keepsText(text: String) throws {
        let schedule = try CheckpointSchedule(text)
        #expect(schedule.text == text)
        #expect(schedule.description == text)
    }

    @Test(
        "an invalid schedule is rejected with a message that names the problem",
        arguments: [
            ("* * * *", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), '* * * *' has 4"),
            ("0 0 * * * *", "has 6"),
            ("", "has 0"),
            ("60 * * * *", "'60' is outside minute 0-59"),
            ("0 24 * * *", "'24' is outside hour 0-23"),
            ("0 0 0 * *", "'0' is outside day-of-month 1-31"),
            ("0 0 32 * *", "'32' is outside day-of-month 1-31"),
            ("0 0 * 0 *", "'0' is outside month 1-12"),
            ("0 0 * 13 *", "'13' is outside month 1-12"),
            ("0 0 * * 8", "'8' is outside day-of-week 0-7"),
            ("30-10 * * * *", "'30-10' is outside minute 0-59"),
            ("*/0 * * * *", "bad step in minute field '*/0'"),
            ("*/x * * * *", "bad step in minute field"),
            ("0 */-2 * * *", "bad step in hour field"),
            ("MON * * * *", "'MON' is not a valid minute"),
            ("0 0 * FOO *", "'FOO' is not a valid month"),
            ("1,,2 * * * *", "is not a valid minute"),
            ("1-2-3 * * * *", "is not a valid minute"),
            ("0 0 * * MON-", "is not a valid day-of-week range"),
            ("@every 10s", "@every needs whole seconds and at least 1m"),
            ("@every 90500ms", "@every needs whole seconds"),
            ("@every 0", "'0' after @every is not a duration"),
            ("@every", "'' after @every is not a duration"),
            ("@every 1d", "'1d' after @every is not a duration"),
            ("@fortnightly", "unknown schedule '@fortnightly'"),
        ])
    func invalid(text: String, message: String) {
        let error = #expect(throws: CheckpointSchedule.Invalid.self) { try CheckpointSchedule(text) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }
}
