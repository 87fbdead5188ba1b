import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Volume events")
struct VolumeEventTests {
    /// `2026-11-26T00:00:00.123Z`, read by the same parser the event log uses.
    static let time = VolumeEvent.parseTimestamp("2026-11-26T00:00:00.123Z")!

    /// An event with every field set.
    static let full = VolumeEvent(
        time: time, volume: "demo", revision: "00ff00ff00ff00ff", actor: "run", operation: "apply",
        kind: .action, action: "set-quota", target: "/active/fs", condition: "Ready", status: false,
        reason: "ChangesPending", result: "done", message: "quota set to 10 TiB", durationMs: 1234)

    @Test("every field survives jsonLine and parse")
    func roundTripEveryField() throws {
        let parsed = try #require(VolumeEvent.parse(Substring(Self.full.jsonLine())))
        #expect(parsed == Self.full)
        #expect(parsed.time == Self.time)
        #expect(parsed.durationMs == 1234)
        #expect(parsed.status == false)
    }

    @Test(
        "an event with only the required fields round-trips, and its line holds only those keys",
        arguments: [
            VolumeEvent.Kind.action, .reconcile, .condition, .spec, .daemon,
        ])
    func roundTripMinimal(kind: VolumeEvent.Kind) throws {
        let event = VolumeEvent(time: Self.time, volume: "demo", revision: nil, actor: "cli", operation: "run", kind: kind, message: "m")
        let line = event.jsonLine()
        #expect(VolumeEvent.parse(Substring(line)) == event)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["time", "volume", "actor", "operation", "kind", "message"])
        #expect(object["kind"] as? String == kind.rawValue)
    }

    @Test("the line's keys are sorted")
    func keysSorted() throws {
        let line = Self.full.jsonLine()
        let keys = [
            "action", "actor", "condition", "durationMs", "kind", "message", "operation", "reason", "result", "revision",
            "status", "target", "time", "volume",
        ]
        let positions = try keys.map { key in try #require(line.range(of: "\"\(key)\":")?.lowerBound, "\(key) missing from \(line)") }
        #expect(positions == positions.sorted(), "\(line)")
        #expect(line.hasPrefix("{\"action\":"))
    }

    @Test("the line is one line, without a trailing newline, even when the message holds newlines")
    func oneLine() {
        var event = Self.full
        event.message = "first line\nsecond line\r\nthird"
        let line = event.jsonLine()
        #expect(!line.contains("\n"))
        #expect(!line.contains("\r"))
        #expect(VolumeEvent.parse(Substring(line))?.message == "first line\nsecond line\r\nthird")
    }

    @Test("slashes in targets are not escaped")
    func slashesNotEscaped() {
        #expect(Self.full.jsonLine().contains("\"target\":\"/active/fs\""))
    }

    @Test("time is written in UTC with milliseconds: 2026-11-26T00:00:00.123Z")
    func timeFormat() {
        #expect(Self.full.jsonLine().contains("\"time\":\"2026-11-26T00:00:00.123Z\""))
        #expect(VolumeEvent.timestamp(Self.time) == "2026-11-26T00:00:00.123Z")
    }

    @Test(
        "whole seconds still carry .000, and any instant is written in UTC",
        arguments: [
            ("2026-11-26", "2026-11-26T00:00:00.000Z"),
            ("2026-03-29T01:30:00Z", "2026-03-29T01:30:00.000Z"),
            ("2026-12-31T23:59:59Z", "2026-12-31T23:59:59.000Z"),
        ])
    func wholeSeconds(date: String, expected: String) {
        #expect(VolumeEvent.timestamp(CheckpointFixture.date(date)) == expected)
    }

    @Test(
        "a time written with an offset is read as the same instant; one without fractions is read too",
        arguments: [
            ("2026-11-26T01:00:00.123+01:00", "2026-11-26T00:00:00.123Z"),
            ("2026-11-26T00:00:00Z", "2026-11-26T00:00:00.000Z"),
        ])
    func parsesOtherTimestamps(text: String, expected: String) throws {
        let date = try #require(VolumeEvent.parseTimestamp(text))
        #expect(VolumeEvent.timestamp(date) == expected)
    }

    @Test("a line whose time has no fractional seconds still parses")
    func parseWithoutFraction() throws {
        let line = Self.full.jsonLine().replacing("2026-11-26T00:00:00.123Z", with: "2026-11-26T00:00:00Z")
        let parsed = try #require(VolumeEvent.parse(Substring(line)))
        #expect(parsed.time == CheckpointFixture.date("2026-11-26"))
    }

    @Test("a torn line (cut anywhere by a crash) is not an event")
    func tornLine() {
        let line = Self.full.jsonLine()
        for length in stride(from: 0, to: line.count, by: 7) {
            #expect(VolumeEvent.parse(line.prefix(length)) == nil, "\(line.prefix(length))")
        }
        #expect(VolumeEvent.parse(line.dropLast()) == nil)
    }

    @Test(
        "text that is not an event is not parsed",
        arguments: [
            "", "not json", "[]", "{}", "null", "42",
            "{\"volume\":\"demo\",\"message\":\"m\"}",
            "{\"actor\":\"cli\",\"kind\":\"action\",\"message\":\"m\",\"operation\":\"apply\",\"time\":\"yesterday\",\"volume\":\"demo\"}",
            #"{"actor":"cli","kind":"explosion","message":"m","operation":"apply","time":"2026-11-26T00:00:00Z","volume":"demo"}"#,
        ])
    func notAnEvent(text: String) {
        #expect(VolumeEvent.parse(Substring(text)) == nil)
    }

    @Test("two events run together on one line are not an event")
    func twoObjectsOnOneLine() {
        let line = Self.full.jsonLine()
        #expect(VolumeEvent.parse(Substring(line + line)) == nil)
    }

    @Test("each line of a log parses on its own, and a torn last line is skipped")
    func logWithTornTail() {
        var second = Self.full
        second.kind = .reconcile
        second.result = "converged"
        let log = [Self.full.jsonLine(), second.jsonLine(), String(Self.full.jsonLine().prefix(30))].joined(separator: "\n")
        let events = log.split(separator: "\n").compactMap(VolumeEvent.parse)
        #expect(events == [Self.full, second])
    }
}
