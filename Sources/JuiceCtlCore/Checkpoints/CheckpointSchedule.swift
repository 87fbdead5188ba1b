public import Foundation

/// When scheduled checkpoints are due, always in UTC: `@every 15m`, `@hourly`/`@daily`/`@weekly`/`@monthly`, or a
/// 5-field cron expression (`minute hour day-of-month month day-of-week`).
public struct CheckpointSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The schedule as written.
    public let text: String
    private let rule: Rule

    private enum Rule: Sendable, Hashable, Codable {
        case every(seconds: Int64)
        case cron(Cron)
    }

    /// A parse failure, with the offending part.
    public struct Invalid: Error, Sendable, Hashable {
        /// What is wrong.
        public var message: String
    }

    /// Parses a schedule.
    public init(_ text: String) throws(Invalid) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@every") {
            let spanText = trimmed.dropFirst("@every".count).trimmingCharacters(in: .whitespaces)
            guard let span = TimeSpan.parse(spanText), span.nanoseconds > 0 else {
                throw Invalid(message: "'\(spanText)' after @every is not a duration such as 15m or 1h")
            }
            guard span.nanoseconds >= 60_000_000_000, span.nanoseconds % 1_000_000_000 == 0 else {
                throw Invalid(message: "@every needs whole seconds and at least 1m")
            }
            rule = .every(seconds: span.nanoseconds / 1_000_000_000)
            return
        }
        let aliases = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
            "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        ]
        if trimmed.hasPrefix("@") {
            guard let expansion = aliases[trimmed] else {
                throw Invalid(
                    message: "unknown schedule '\(trimmed)'; use @every DURATION, @hourly, @daily, @weekly, @monthly or 5 cron fields")
            }
            rule = .cron(try Cron(expansion))
        } else {
            rule = .cron(try Cron(trimmed))
        }
    }

    public var description: String { text }

    /// The latest slot at or before `date`, or `nil` when there is none within five years.
    public func lastSlot(atOrBefore date: Date) -> Date? {
        switch rule {
        case .every(let seconds):
            let now = Int64(date.timeIntervalSince1970.rounded(.down))
            return Date(timeIntervalSince1970: TimeInterval(now - ((now % seconds) + seconds) % seconds))
        case .cron(let cron):
            return cron.lastMatch(atOrBefore: date)
        }
    }

    /// The first slot strictly after `date`.
    public func nextSlot(after date: Date) -> Date? {
        switch rule {
        case .every(let seconds):
            guard let last = lastSlot(atOrBefore: date) else { return nil }
            return last.addingTimeInterval(TimeInterval(seconds))
        case .cron(let cron):
            return cron.nextMatch(after: date)
        }
    }

    /// Five cron fields, each a set of allowed values.
    struct Cron: Sendable, Hashable, Codable {
        var minutes: Set<Int>
        var hours: Set<Int>
        var days: Set<Int>
        var months: Set<Int>
        var weekdays: Set<Int>
        var daysRestricted: Bool
        var weekdaysRestricted: Bool

        init(_ text: String) throws(Invalid) {
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 5 else {
                throw Invalid(
                    message: "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), '\(text)' has \(fields.count)")
            }
            let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            minutes = try Self.field(fields[0], "minute", 0...59, names: [])
            hours = try Self.field(fields[1], "hour", 0...23, names: [])
            days = try Self.field(fields[2], "day-of-month", 1...31, names: [])
            months = try Self.field(fields[3], "month", 1...12, names: monthNames, nameBase: 1)
            var weekdays = try Self.field(fields[4], "day-of-week", 0...7, names: dayNames)
            if weekdays.contains(7) {
                weekdays.remove(7)
                weekdays.insert(0)
            }
            self.weekdays = weekdays
            daysRestricted = fields[2] != "*" && !fields[2].hasPrefix("*/")
            weekdaysRestricted = fields[4] != "*" && !fields[4].hasPrefix("*/")
        }

        static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(Invalid)
            -> Set<Int>
        {
            var values = Set<Int>()
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                var base = Substring(part)
                var step = 1
                if let slash = part.firstIndex(of: "/") {
                    guard let parsed = Int(part[part.index(after: slash)...]), parsed > 0 else {
                        throw Invalid(message: "bad step in \(name) field '\(text)'")
                    }
                    step = parsed
                    base = part[..<slash]
                }
                var lower = range.lowerBound
                var upper = range.upperBound
                if base != "*" {
                    let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                    guard bounds.count == 1 || bounds.count == 2,
                        let first = value(bounds[0], names: names, nameBase: nameBase)
                    else {
                        throw Invalid(message: "'\(part)' is not a valid \(name) (\(range.lowerBound)-\(range.upperBound))")
                    }
                    lower = first
                    upper = first
                    if bounds.count == 2 {
                        guard let last = value(bounds[1], names: names, nameBase: nameBase) else {
                            throw Invalid(message: "'\(part)' is not a valid \(name) range")
                        }
                        upper = last
                    } else if part.contains("/") {
                        upper = range.upperBound
                    }
                }
                guard range.contains(lower), range.contains(upper), lower <= upper else {
                    throw Invalid(message: "'\(part)' is outside \(name) \(range.lowerBound)-\(range.upperBound)")
                }
                values.formUnion(stride(from: lower, through: upper, by: step))
            }
            return values
        }

        static func value(_ text: Substring, names: [String], nameBase: Int) -> Int? {
            if let number = Int(text) { return number }
            return names.firstIndex(of: text.uppercased()).map { $0 + nameBase }
        }

        func matchesDay(_ day: DateComponents) -> Bool {
            guard let month = day.month, months.contains(month), let dayOfMonth = day.day, let weekday = day.weekday else { return false }
            let domMatch = days.contains(dayOfMonth)
            let dowMatch = weekdays.contains(weekday - 1)
            if daysRestricted && weekdaysRestricted { return domMatch || dowMatch }
            return domMatch && dowMatch
        }

        func lastMatch(atOrBefore date: Date) -> Date? {
            matchingDays(from: date, step: -1) { offset, day, start in
                let hourLimit = offset == 0 ? (start.hour ?? 23) : 23
                for hour in hours.filter({ $0 <= hourLimit }).sorted(by: >) {
                    let minuteLimit = offset == 0 && hour == start.hour ? (start.minute ?? 59) : 59
                    if let minute = minutes.filter({ $0 <= minuteLimit }).max() {
                        return Calendar.utc.date(byAdding: DateComponents(hour: hour, minute: minute), to: day)
                    }
                }
                return nil
            }
        }

        func nextMatch(after date: Date) -> Date? {
            matchingDays(from: date, step: 1) { offset, day, start in
                for hour in hours.sorted() where offset > 0 || hour >= (start.hour ?? 0) {
                    let minuteFloor = offset == 0 && hour == start.hour ? (start.minute ?? 0) + 1 : 0
                    if let minute = minutes.filter({ $0 >= minuteFloor }).min() {
                        return Calendar.utc.date(byAdding: DateComponents(hour: hour, minute: minute), to: day)
                    }
                }
                return nil
            }
        }

        /// Walks the days from `date`'s own (UTC) day, `step` days at a time, for at most five years, and returns the
        /// first answer `match` gives for a day the fields allow (it is told how many days from the start the day is,
        /// the day's midnight and `date`'s components).
        private func matchingDays(
            from date: Date, step: Int, _ match: (_ offset: Int, _ day: Date, _ start: DateComponents) -> Date?
        ) -> Date? {
            let calendar = Calendar.utc
            let start = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            guard var day = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day)) else { return nil }
            for offset in 0..<(366 * 5) {
                if matchesDay(calendar.dateComponents([.year, .month, .day, .weekday], from: day)),
                    let found = match(offset, day, start)
                {
                    return found
                }
                guard let next = calendar.date(byAdding: .day, value: step, to: day) else { return nil }
                day = next
            }
            return nil
        }
    }
}

extension CheckpointSchedule {
    /// The slot a scheduled checkpoint is owed for at `now`, or `nil` when the latest slot already has one (a
    /// checkpoint named for it, or a scheduled checkpoint created at or after it). Only the latest slot counts:
    /// slots missed while the host was down are taken once, not one by one.
    public func dueSlot(at now: Date, checkpoints: [CheckpointEntry]) -> Date? {
        guard let slot = lastSlot(atOrBefore: now) else { return nil }
        let name = CheckpointName.scheduled(slot: slot)
        let lastScheduled = checkpoints.filter { $0.kind == .scheduled }.compactMap(\.createdAt).max()
        let taken = checkpoints.contains { $0.name == name } || (lastScheduled.map { $0 >= slot } ?? false)
        return taken ? nil : slot
    }

    /// When the next scheduled checkpoint is due: the owed slot if there is one, else the first slot after `now`.
    public func nextCheckpoint(at now: Date, checkpoints: [CheckpointEntry]) -> Date? {
        dueSlot(at: now, checkpoints: checkpoints) ?? nextSlot(after: now)
    }
}
