import Testing

@testable import JuiceCtlCore

@Suite("TimeSpan")
struct TimeSpanTests {
    static let second: Int64 = 1_000_000_000

    @Test(
        "Go-style durations parse to nanoseconds",
        arguments: [
            ("30s", 30 * second),
            ("1m30s", 90 * second),
            ("500ms", 500_000_000),
            ("2h", 7200 * second),
            ("1.5h", 5400 * second),
            ("0", 0),
            ("0s", 0),
            ("250us", 250_000),
            ("250µs", 250_000),
            ("10ns", 10),
            ("1h0m0s", 3600 * second),
            ("0.5s", 500_000_000),
        ] as [(String, Int64)])
    func parses(text: String, nanoseconds: Int64) {
        #expect(TimeSpan.parse(text) == TimeSpan(nanoseconds: nanoseconds))
    }

    @Test(
        "text that is not a duration gives nil",
        arguments: [
            "", "5", "1x", "s", "-1s", "1.s", ".5s", "1..5s", " 1s", "1s ", "1 s", "1S", "1d",
        ])
    func rejects(text: String) {
        #expect(TimeSpan.parse(text) == nil)
    }

    @Test(
        "durations beyond 2^63 nanoseconds give nil instead of trapping",
        arguments: [
            "9999999999999999999h", "3000000h", "2562048h", "9223372036.9s", "2562047h47m16.9s",
        ])
    func rejectsOverflow(text: String) {
        #expect(TimeSpan.parse(text) == nil)
    }

    @Test(
        "description is compact with the largest units first",
        arguments: [
            (90 * second, "1m30s"),
            (5400 * second, "1h30m"),
            (0, "0s"),
            (250_000_000, "250ms"),
            (1_500_000_000, "1s500ms"),
            (1, "1ns"),
            (1500, "1us500ns"),
            (-30 * second, "-30s"),
        ] as [(Int64, String)])
    func description(nanoseconds: Int64, text: String) {
        #expect(TimeSpan(nanoseconds: nanoseconds).description == text)
    }

    @Test(
        "description parses back to the same span",
        arguments: [
            0, 1, 1500, 250_000_000, 90 * second, 5400 * second + 7, 86_400 * second,
        ] as [Int64])
    func roundTrips(nanoseconds: Int64) {
        let span = TimeSpan(nanoseconds: nanoseconds)
        #expect(TimeSpan.parse(span.description) == span)
    }

    @Test("spans convert to Duration and order by length")
    func durationAndOrder() {
        #expect(TimeSpan.seconds(2).duration == .seconds(2))
        #expect(TimeSpan.zero < TimeSpan.seconds(1))
        #expect(TimeSpan.seconds(60) == TimeSpan.parse("1m"))
    }
}
