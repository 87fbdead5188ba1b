internal import Foundation

/// Which checkpoints to keep, in the restic/borg manner: the newest `last`, and the newest checkpoint in each of the
/// last N hours, days, ISO weeks and months that have one. The newest checkpoint is always kept; pinned and manual
/// checkpoints are kept unless the policy says otherwise.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// Keep the newest N.
    public var last: Int
    /// Keep the newest in each of the last N hours with a checkpoint.
    public var hourly: Int
    /// Keep the newest in each of the last N days with a checkpoint.
    public var daily: Int
    /// Keep the newest in each of the last N ISO weeks with a checkpoint.
    public var weekly: Int
    /// Keep the newest in each of the last N months with a checkpoint.
    public var monthly: Int
    /// Let retention remove manual checkpoints too (default: never).
    public var pruneManual: Bool
    /// Let retention remove pinned checkpoints too (default: never).
    public var prunePinned: Bool

    /// Creates a policy.
    public init(
        last: Int = 0, hourly: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0,
        pruneManual: Bool = false, prunePinned: Bool = false
    ) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.pruneManual = pruneManual
        self.prunePinned = prunePinned
    }

    /// Whether any rule keeps something.
    public var hasRules: Bool { last + hourly + daily + weekly + monthly > 0 }

    /// The verdict on one checkpoint.
    public struct Decision: Sendable, Hashable, Codable {
        /// The checkpoint.
        public var name: String
        /// Whether it stays.
        public var keep: Bool
        /// Every rule that keeps it, or why none does.
        public var reasons: [String]
    }

    /// Decides for every checkpoint, newest first.
    public func decide(_ entries: [CheckpointEntry]) -> [Decision] {
        let dated = entries.filter { $0.createdAt != nil }.sorted {
            ($0.createdAt!, $0.name) > ($1.createdAt!, $1.name)
        }
        var reasons: [String: [String]] = [:]
        var exempt = Set<String>()
        for entry in entries {
            if entry.createdAt == nil {
                reasons[entry.name, default: []].append("no manifest: retention never removes it")
                exempt.insert(entry.name)
            } else if entry.pinned && !prunePinned {
                reasons[entry.name, default: []].append("pinned")
                exempt.insert(entry.name)
            } else if entry.kind == .manual && !pruneManual {
                reasons[entry.name, default: []].append("manual (retain.pruneManual is false)")
                exempt.insert(entry.name)
            }
        }
        let subject = dated.filter { !exempt.contains($0.name) }
        if let newest = dated.first {
            reasons[newest.name, default: []].append("newest checkpoint")
        }
        for (index, entry) in subject.prefix(last).enumerated() {
            reasons[entry.name, default: []].append("last \(last) (#\(index + 1))")
        }
        let calendar = Calendar.utc
        let periods: [(String, Int, (Date) -> String)] = [
            (
                "hourly", hourly,
                { date in
                    Self.format(
                        calendar.dateComponents([.year, .month, .day, .hour], from: date), "%04d-%02d-%02d %02dh",
                        [.year, .month, .day, .hour])
                }
            ),
            (
                "daily", daily,
                { date in Self.format(calendar.dateComponents([.year, .month, .day], from: date), "%04d-%02d-%02d", [.year, .month, .day]) }
            ),
            (
                "weekly", weekly,
                { date in
                    var iso = Calendar(identifier: .iso8601)
                    iso.timeZone = calendar.timeZone
                    let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
                    return String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0)
                }
            ),
            (
                "monthly", monthly,
                { date in Self.format(calendar.dateComponents([.year, .month], from: date), "%04d-%02d", [.year, .month]) }
            ),
        ]
        for (label, count, bucket) in periods where count > 0 {
            var seen: [String] = []
            for entry in subject {
                let key = bucket(entry.createdAt!)
                guard !seen.contains(key) else { continue }
                guard seen.count < count else { break }
                seen.append(key)
                reasons[entry.name, default: []].append("\(label) \(key) (\(seen.count) of \(count))")
            }
        }
        let ordered = dated + entries.filter { $0.createdAt == nil }.sorted { $0.name < $1.name }
        return ordered.map { entry in
            if let kept = reasons[entry.name] {
                return Decision(name: entry.name, keep: true, reasons: kept)
            }
            return Decision(name: entry.name, keep: false, reasons: ["no rule keeps it (\(summary))"])
        }
    }

    /// `last 3, hourly 24, daily 7`.
    public var summary: String {
        [("last", last), ("hourly", hourly), ("daily", daily), ("weekly", weekly), ("monthly", monthly)]
            .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    private static func format(_ parts: DateComponents, _ pattern: String, _ fields: [Calendar.Component]) -> String {
        let values: [any CVarArg] = fields.map { parts.value(for: $0) ?? 0 }
        return String(format: pattern, arguments: values)
    }
}
