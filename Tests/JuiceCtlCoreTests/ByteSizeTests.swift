import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("ByteSize")
struct ByteSizeTests {
    @Test(
        "binary units parse to the exact number of bytes",
        arguments: [
            ("10TiB", 10 * ByteSize.tib),
            ("512MiB", 512 * ByteSize.mib),
            ("1.5GiB", 3 * ByteSize.gib / 2),
            ("4096B", 4096),
            ("1 GiB", ByteSize.gib),
            ("0B", 0),
            ("1KiB", 1024),
            ("0.5KiB", 512),
            ("1.25MiB", 5 * ByteSize.mib / 4),
            ("2PiB", 2 << 50),
            ("9223372036854775807B", UInt64(Int64.max)),
        ] as [(String, UInt64)])
    func parsesBinaryUnits(text: String, bytes: UInt64) throws {
        #expect(try ByteSize.parse(text) == ByteSize(bytes: bytes))
    }

    @Test(
        "ambiguous, decimal and missing units are rejected with a hint naming the binary spelling",
        arguments: [
            ("10TB", "10TiB"),
            ("10G", "10GiB"),
            ("10 gb", "10GiB"),
            ("10gib", "10GiB"),
            ("512M", "512MiB"),
            ("10", "10MiB"),
            ("3bytes", "3B"),
        ])
    func rejectsAmbiguousUnits(text: String, suggestion: String) {
        #expect {
            try ByteSize.parse(text)
        } throws: { error in
            guard let error = error as? ByteSize.ParseError else { return false }
            return error.message.contains("'\(text)'") && (error.hint ?? "").contains(suggestion)
        }
    }

    @Test("a number without a unit is called ambiguous")
    func missingUnitMessage() {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("10") }
        do {
            _ = try ByteSize.parse("10")
        } catch {
            #expect(error.message.contains("no unit"))
        }
    }

    @Test(
        "text that is not a number and a unit is rejected",
        arguments: [
            "", "GiB", "abc", ".5GiB", "1.GiB", "1.2.3GiB", "-1GiB", " 1GiB", "1  GiB", "1GiB ", "1e3GiB", "１GiB",
        ])
    func rejectsMalformedText(text: String) {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse(text) }
    }

    @Test(
        "a fraction that is not a whole number of bytes is rejected",
        arguments: [
            "0.1B", "1.5B", "1.3MiB", "1.0000000001KiB",
        ])
    func rejectsFractionalBytes(text: String) {
        #expect {
            try ByteSize.parse(text)
        } throws: { error in
            (error as? ByteSize.ParseError)?.message.contains("not a whole number of bytes") == true
        }
    }

    @Test(
        "values above 2^63 - 1 bytes or with too many decimals are rejected, never wrapped",
        arguments: [
            "8192PiB", "9223372036854775808B", "99999999999999999999B", "18446744073709551616B",
            "1.1234567890123456789GiB",
        ])
    func rejectsOverflow(text: String) {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse(text) }
    }

    @Test("the largest PiB value that fits is accepted")
    func largestPiB() throws {
        #expect(try ByteSize.parse("8191PiB").bytes == 8191 << 50)
        #expect(try ByteSize.parse("8191.5PiB").bytes == 8191 << 50 + 1 << 49)
    }

    @Test(
        "description is the shortest exact spelling",
        arguments: [
            (10 * ByteSize.tib, "10TiB"),
            (512 * ByteSize.mib, "512MiB"),
            (1536 * ByteSize.mib, "1536MiB"),
            (1000, "1000B"),
            (1024, "1KiB"),
            (0, "0B"),
            (1 << 50, "1PiB"),
        ] as [(UInt64, String)])
    func description(bytes: UInt64, text: String) throws {
        let size = ByteSize(bytes: bytes)
        #expect(size.description == text)
        #expect(try ByteSize.parse(size.description) == size)
    }

    @Test(
        "exactGiBString writes the exact decimal number of GiB",
        arguments: [
            (1000, "0.000000931322574615478515625"),
            (10 * ByteSize.tib, "10240"),
            (512 * ByteSize.mib, "0.5"),
            (3 * ByteSize.gib / 2, "1.5"),
            (0, "0"),
            (1, "0.000000000931322574615478515625"),
            (ByteSize.gib + 1, "1.000000000931322574615478515625"),
        ] as [(UInt64, String)])
    func exactGiB(bytes: UInt64, text: String) {
        #expect(ByteSize(bytes: bytes).exactGiBString == text)
    }

    @Test(
        "exactGiBString times 2^30 gives back exactly the byte count",
        arguments: [
            1, 1000, 4097, 123_456_789, 10 * ByteSize.tib + 1, (1 << 53) - 1,
        ] as [UInt64])
    func exactGiBRoundTrips(bytes: UInt64) throws {
        let decimal = try #require(Decimal(string: ByteSize(bytes: bytes).exactGiBString, locale: Locale(identifier: "en_US_POSIX")))
        #expect(decimal * Decimal(ByteSize.gib) == Decimal(bytes))
    }

    @Test(
        "humanReadable rounds to one decimal and names the unit",
        arguments: [
            (3 * ByteSize.gib / 2, "1.5 GiB"),
            (10 * ByteSize.tib, "10 TiB"),
            (1000, "1000 B"),
            (ByteSize.gib - 1, "1024.0 MiB"),
            (UInt64(Int64.max), "8192.0 PiB"),
            (UInt64.max, "16384.0 PiB"),
        ] as [(UInt64, String)])
    func humanReadable(bytes: UInt64, text: String) {
        #expect(ByteSize(bytes: bytes).humanReadable == text)
    }

    @Test("sizes order by their byte count and build from binary unit counts")
    func ordering() {
        #expect(ByteSize.mebibytes(1024) == ByteSize.gibibytes(1))
        #expect(ByteSize.gibibytes(1024) == ByteSize.tebibytes(1))
        #expect(ByteSize.mebibytes(512) < ByteSize.gibibytes(1))
        #expect(!(ByteSize.tebibytes(1) < ByteSize.gibibytes(1)))
    }

    @Test(
        "every spelling parse accepts also matches the published pattern",
        arguments: [
            "10TiB", "512MiB", "1.5GiB", "4096B", "1 GiB",
        ])
    func patternAgreesWithParser(text: String) throws {
        _ = try ByteSize.parse(text)
        #expect(try Regex(ByteSize.pattern).wholeMatch(in: text) != nil)
    }
}
