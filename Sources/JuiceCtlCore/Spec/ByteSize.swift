/// A number of bytes, written in specs with binary units: `512MiB`, `10TiB`, `1.5GiB`, `4096B`.
///
/// Decimal or bare units (`10GB`, `10G`, `10T`) are rejected as ambiguous, and so is a number without a unit.
public struct ByteSize: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The exact number of bytes.
    public var bytes: UInt64

    /// Creates a size of `bytes` bytes.
    public init(bytes: UInt64) { self.bytes = bytes }

    /// 1024 bytes.
    public static let kib: UInt64 = 1 << 10
    /// 1024 KiB.
    public static let mib: UInt64 = 1 << 20
    /// 1024 MiB.
    public static let gib: UInt64 = 1 << 30
    /// 1024 GiB.
    public static let tib: UInt64 = 1 << 40

    /// Builds a size from a count of mebibytes.
    public static func mebibytes(_ count: UInt64) -> ByteSize { ByteSize(bytes: count * mib) }
    /// Builds a size from a count of gibibytes.
    public static func gibibytes(_ count: UInt64) -> ByteSize { ByteSize(bytes: count * gib) }
    /// Builds a size from a count of tebibytes.
    public static func tebibytes(_ count: UInt64) -> ByteSize { ByteSize(bytes: count * tib) }

    /// Units accepted in specs, largest first.
    static let units: [(name: String, factor: UInt64)] = [
        ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1),
    ]

    /// The regular expression (JSON Schema flavour) that a size string must match.
    public static let pattern = #"^[0-9]+(\.[0-9]+)? ?(B|KiB|MiB|GiB|TiB|PiB)$"#

    /// Why a size string was rejected, with a hint that names a valid spelling.
    public struct ParseError: Error, Sendable, Hashable {
        /// What is wrong.
        public var message: String
        /// A valid spelling to use instead.
        public var hint: String?
    }

    /// Parses a size written with a binary unit.
    ///
    /// - Throws: ``ParseError`` for a missing, decimal or unknown unit, a fraction that is not a whole number
    ///   of bytes, or a value above 2^63 bytes.
    public static func parse(_ text: String) throws(ParseError) -> ByteSize {
        let trimmed = text
        var digitsEnd = trimmed.startIndex
        while digitsEnd < trimmed.endIndex, trimmed[digitsEnd].isASCII, trimmed[digitsEnd].isNumber || trimmed[digitsEnd] == "." {
            digitsEnd = trimmed.index(after: digitsEnd)
        }
        let number = String(trimmed[..<digitsEnd])
        var unit = String(trimmed[digitsEnd...])
        if unit.hasPrefix(" ") { unit.removeFirst() }
        guard !number.isEmpty, number.first != ".", number.last != ".", number.filter({ $0 == "." }).count <= 1 else {
            throw ParseError(message: "'\(text)' is not a size", hint: "write a number and a binary unit, e.g. 512MiB or 10TiB")
        }
        if unit.isEmpty {
            throw ParseError(
                message: "'\(text)' has no unit, which is ambiguous",
                hint: "add a binary unit, e.g. \(number)MiB or \(number)GiB (or \(number)B for bytes)")
        }
        guard let factor = units.first(where: { $0.name == unit })?.factor else {
            let suggestion = ambiguousUnits[unit.uppercased()].map { "\(number)\($0)" }
            throw ParseError(
                message: "'\(text)': unit '\(unit)' is ambiguous or unknown; sizes use binary units (B, KiB, MiB, GiB, TiB, PiB)",
                hint: suggestion.map { "if you meant binary units, write \($0)" } ?? "e.g. 512MiB or 10TiB")
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = UInt64(parts[0]) else {
            throw ParseError(message: "'\(text)' is too large", hint: nil)
        }
        let (wholeBytes, overflow) = whole.multipliedReportingOverflow(by: factor)
        guard !overflow, wholeBytes <= UInt64(Int64.max) else {
            throw ParseError(message: "'\(text)' is too large", hint: nil)
        }
        var bytes = wholeBytes
        if parts.count == 2 {
            // The fraction must come to a whole number of bytes: fraction * factor / 10^digits exactly.
            let fraction = parts[1]
            guard fraction.count <= 18, let numerator = UInt64(fraction) else {
                throw ParseError(message: "'\(text)' has too many decimal places", hint: nil)
            }
            var denominator: UInt64 = 1
            for _ in 0..<fraction.count { denominator *= 10 }
            let product = UInt128(numerator) * UInt128(factor)
            guard product % UInt128(denominator) == 0 else {
                throw ParseError(
                    message: "'\(text)' is not a whole number of bytes",
                    hint: "use a smaller unit, e.g. \(ByteSize(bytes: wholeBytes))")
            }
            let quotient = UInt64(product / UInt128(denominator))
            let (sum, sumOverflow) = bytes.addingReportingOverflow(quotient)
            guard !sumOverflow, sum <= UInt64(Int64.max) else { throw ParseError(message: "'\(text)' is too large", hint: nil) }
            bytes = sum
        }
        return ByteSize(bytes: bytes)
    }

    /// Decimal or single-letter units people write, mapped to the binary unit they most likely mean.
    static let ambiguousUnits: [String: String] = [
        "K": "KiB", "KB": "KiB", "M": "MiB", "MB": "MiB", "G": "GiB", "GB": "GiB",
        "T": "TiB", "TB": "TiB", "P": "PiB", "PB": "PiB", "KI": "KiB", "MI": "MiB", "GI": "GiB", "TI": "TiB",
        "KIB": "KiB", "MIB": "MiB", "GIB": "GiB", "TIB": "TiB", "PIB": "PiB", "BYTES": "B",
    ]

    /// The shortest exact spelling: `10TiB`, `512MiB`, `1000B`.
    public var description: String {
        for unit in Self.units where bytes >= unit.factor && bytes % unit.factor == 0 {
            return "\(bytes / unit.factor)\(unit.name)"
        }
        return "\(bytes)B"
    }

    /// The size as a human reads it, rounded: `1.5 GiB`.
    public var humanReadable: String {
        for unit in Self.units where bytes >= unit.factor {
            if bytes % unit.factor == 0 { return "\(bytes / unit.factor) \(unit.name)" }
            // Round the remainder alone: `bytes * 10` overflows above 2^64 / 10.
            let tenths = (bytes % unit.factor * 10 + unit.factor / 2) / unit.factor
            return "\(bytes / unit.factor + tenths / 10).\(tenths % 10) \(unit.name)"
        }
        return "\(bytes) B"
    }

    /// The size as an exact decimal number of GiB, the unit `juicefs quota set --capacity` takes.
    ///
    /// Every byte count below 2^53 is exact as a binary fraction of 2^30, so the decimal expansion is finite
    /// (at most 30 fractional digits) and parses back to exactly this many bytes.
    public var exactGiBString: String {
        let whole = bytes >> 30
        var remainder = bytes & ((1 << 30) - 1)
        guard remainder != 0 else { return String(whole) }
        var digits = ""
        while remainder != 0 {
            remainder *= 10
            digits.append(Character(String(remainder >> 30)))
            remainder &= (1 << 30) - 1
        }
        return "\(whole).\(digits)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
