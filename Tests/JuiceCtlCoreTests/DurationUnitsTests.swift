import Testing

@testable import JuiceCtlCore

@Suite("Duration units")
struct DurationUnitsTests {
    @Test(
        "whole milliseconds, microseconds and nanoseconds of a duration",
        arguments: [
            (Duration.seconds(2), 2000, 2_000_000, 2_000_000_000),
            (.milliseconds(1500), 1500, 1_500_000, 1_500_000_000),
            (.microseconds(2500), 2, 2500, 2_500_000),
            (.nanoseconds(123), 0, 0, 123),
            (.zero, 0, 0, 0),
            (.milliseconds(-1500), -1500, -1_500_000, -1_500_000_000),
        ] as [(Duration, Int64, Int64, Int64)])
    func wholeUnits(duration: Duration, milliseconds: Int64, microseconds: Int64, nanoseconds: Int64) {
        #expect(duration.milliseconds == milliseconds)
        #expect(duration.microseconds == microseconds)
        #expect(duration.nanoseconds == nanoseconds)
    }

    @Test("parts below a unit are dropped, not rounded")
    func truncates() {
        let duration = Duration.seconds(1) + .nanoseconds(999_999_999)
        #expect(duration.milliseconds == 1999)
        #expect(duration.microseconds == 1_999_999)
        #expect(duration.nanoseconds == 1_999_999_999)
        #expect(Duration.nanoseconds(999).microseconds == 0)
    }

    @Test("sub-nanosecond parts are dropped from nanoseconds")
    func attoseconds() {
        #expect((Duration.nanoseconds(5) + Duration(secondsComponent: 0, attosecondsComponent: 999_999_999)).nanoseconds == 5)
    }

    @Test(
        "seconds as a floating-point number",
        arguments: [
            (Duration.milliseconds(1500), 1.5), (.seconds(300), 300), (.nanoseconds(1), 1e-9), (.milliseconds(-250), -0.25), (.zero, 0),
        ] as [(Duration, Double)])
    func seconds(duration: Duration, expected: Double) {
        #expect(duration.seconds == expected)
    }

    @Test(
        "nanoseconds saturate at the limits of Int64 instead of trapping or wrapping",
        arguments: [
            (Duration.seconds(Int64.max), Int64.max),
            (.seconds(Int64.min), Int64.min),
            (.seconds(Int64(9_223_372_037)), Int64.max),
            (.seconds(Int64(-9_223_372_037)), Int64.min),
            (Duration(secondsComponent: 9_223_372_036, attosecondsComponent: 999_999_999_000_000_000), Int64.max),
            (Duration(secondsComponent: -9_223_372_036, attosecondsComponent: -999_999_999_000_000_000), Int64.min),
            (.seconds(9_223_372_037.0), Int64.max),
        ] as [(Duration, Int64)])
    func nanosecondsSaturate(duration: Duration, expected: Int64) {
        #expect(duration.nanoseconds == expected)
    }

    @Test("the largest and smallest nanosecond counts of Int64 are exact")
    func nanosecondsAtTheLimits() {
        #expect(Duration.nanoseconds(Int64.max).nanoseconds == Int64.max)
        #expect(Duration.nanoseconds(Int64.min).nanoseconds == Int64.min)
        #expect(Duration(secondsComponent: 9_223_372_036, attosecondsComponent: 854_775_807_000_000_000).nanoseconds == Int64.max)
        #expect(Duration(secondsComponent: -9_223_372_036, attosecondsComponent: -854_775_808_000_000_000).nanoseconds == Int64.min)
    }
}
