public import Foundation

/// Checkpoint names: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`. No slashes, no leading dot (juicectl's own entries under
/// `checkpoints/` start with one), nothing empty or longer than 128 characters.
public enum CheckpointName {
    /// The rule, as a regular expression.
    public static let pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"

    /// Why a name was rejected.
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        /// The name.
        public var name: String
        /// What is wrong with it.
        public var reason: String

        public var description: String {
            "invalid checkpoint name '\(name)': \(reason); names are 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit"
        }
    }

    /// Checks `name`, saying what is wrong with it.
    public static func validate(_ name: String) throws(Invalid) {
        if name.isEmpty { throw Invalid(name: name, reason: "it is empty") }
        if name.unicodeScalars.count > 128 {
            throw Invalid(name: String(name.prefix(40)) + "…", reason: "it is longer than 128 characters")
        }
        if name.contains("/") { throw Invalid(name: name, reason: "it contains a slash") }
        if name.hasPrefix(".") { throw Invalid(name: name, reason: "it starts with a dot") }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
        }
        guard allowed else { throw Invalid(name: name, reason: "it contains a character other than A-Z a-z 0-9 . _ -") }
        guard let first = name.unicodeScalars.first, CharacterSet.alphanumerics.contains(first) else {
            throw Invalid(name: name, reason: "it does not start with a letter or digit")
        }
    }

    /// Whether `name` is valid.
    public static func isValid(_ name: String) -> Bool {
        (try? validate(name)) != nil
    }

    /// `20261125T223000Z`: the UTC timestamp form used in generated names.
    public static func timestamp(_ date: Date) -> String {
        let calendar = Calendar.utc
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        let day = "\(String(format: "%04d", parts.year ?? 0))\(two(parts.month))\(two(parts.day))"
        return "\(day)T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }

    /// The name of the checkpoint a restore makes of the tree it replaces.
    public static func preRestore(at date: Date) -> String { "pre-restore-\(timestamp(date))" }

    /// The name of a scheduled checkpoint for the schedule slot `slot`.
    public static func scheduled(slot: Date) -> String { "auto-\(timestamp(slot))" }
}

extension Calendar {
    /// The Gregorian calendar in UTC: schedules and retention never see time zones or daylight saving.
    public static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
