/// A length of time written like Go and JuiceFS write durations: `30s`, `1m30s`, `500ms`, `2h`.
public struct TimeSpan: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: Int64

    /// Creates a span of `nanoseconds`.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Creates a span of whole seconds.
    public static func seconds(_ count: Int64) -> TimeSpan { TimeSpan(nanoseconds: count * 1_000_000_000) }

    /// Zero.
    public static let zero = TimeSpan(nanoseconds: 0)

    static let units: [(name: String, nanos: Int64)] = [
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
        ("ms", 1_000_000), ("us", 1_000), ("µs", 1_000), ("ns", 1),
    ]

    /// The regular expression (JSON Schema flavour) that a duration string must match.
    public static let pattern = #"^(0|([0-9]+(\.[0-9]+)?(h|m|s|ms|us|µs|ns))+)$"#

    /// Parses `1h30m`, `45s`, `250ms` or `0`.
    ///
    /// - Returns: `nil` when the text is not a duration.
    public static func parse(_ text: String) -> TimeSpan? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != "." else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.name == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard let whole = Int64(parts[0]) else { return nil }
            let (wholeNanos, overflow) = whole.multipliedReportingOverflow(by: unit.nanos)
            guard !overflow else { return nil }
            var value = wholeNanos
            if parts.count == 2 {
                var scale = unit.nanos
                for digit in parts[1].prefix(18) {
                    scale /= 10
                    let (next, digitOverflow) = value.addingReportingOverflow(Int64(String(digit))! * scale)
                    guard !digitOverflow else { return nil }
                    value = next
                }
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(value)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return TimeSpan(nanoseconds: total)
    }

    /// Compact exact spelling, largest units first: `1h30m`, `45s`, `250ms`, `0s`.
    public var description: String {
        guard nanoseconds != 0 else { return "0s" }
        var rest = nanoseconds
        var text = nanoseconds < 0 ? "-" : ""
        rest = abs(rest)
        for unit in Self.units where unit.name != "µs" {
            let count = rest / unit.nanos
            if count > 0 {
                text += "\(count)\(unit.name)"
                rest -= count * unit.nanos
            }
        }
        return text
    }

    /// The span as a Swift `Duration`.
    public var duration: Duration { .nanoseconds(nanoseconds) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
