import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Checkpoint names")
struct CheckpointNameTests {
    @Test(
        "a name of 1 to 128 letters, digits, dots, underscores and dashes that starts with a letter or digit is valid",
        arguments: [
            "a", "Z", "0", "nightly", "before-upgrade", "v1.2.3", "a..b", "x_y", "9-", "end.", "auto-20261120T103000Z",
            "pre-restore-20261120T103000Z", String(repeating: "a", count: 128), "A" + String(repeating: "-", count: 127),
        ])
    func validName(name: String) {
        #expect(CheckpointName.isValid(name))
        #expect(throws: Never.self) { try CheckpointName.validate(name) }
        // The spec's restore.checkpoint pattern (schema and tool) says the same.
        #expect(SchemaValidator.matches(name, CheckpointName.pattern))
    }

    @Test(
        "an invalid name is rejected with the reason",
        arguments: [
            ("", "it is empty"),
            (String(repeating: "a", count: 129), "it is longer than 128 characters"),
            ("a/b", "it contains a slash"),
            ("../x", "it contains a slash"),
            ("/", "it contains a slash"),
            ("..", "it starts with a dot"),
            (".", "it starts with a dot"),
            (".juicectl", "it starts with a dot"),
            ("-x", "it does not start with a letter or digit"),
            ("_x", "it does not start with a letter or digit"),
            ("a b", "it contains a character other than A-Z a-z 0-9 . _ -"),
            (" a", "it contains a character other than"),
            ("a\t", "it contains a character other than"),
            ("a\n", "it contains a character other than"),
            ("a\u{0}b", "it contains a character other than"),
            ("a:b", "it contains a character other than"),
            ("a*", "it contains a character other than"),
            ("café", "it contains a character other than"),
            ("e\u{301}", "it contains a character other than"),
            ("日本", "it contains a character other than"),
            ("٣", "it contains a character other than"),
        ])
    func invalidName(name: String, reason: String) {
        let error = #expect(throws: CheckpointName.Invalid.self) { try CheckpointName.validate(name) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid checkpoint name '") == true)
        #expect(error?.description.contains("names are 1 to 128 of A-Z a-z 0-9 . _ -") == true)
        #expect(!CheckpointName.isValid(name))
        #expect(!SchemaValidator.matches(name, CheckpointName.pattern))
    }

    @Test("a name that is too long is shortened in the message")
    func longNameShortened() {
        let name = String(repeating: "x", count: 300)
        let error = #expect(throws: CheckpointName.Invalid.self) { try CheckpointName.validate(name) }
        #expect(error?.name == String(repeating: "x", count: 40) + "…")
        #expect(error?.description.count ?? 1000 < 200)
    }

    @Test(
        "the timestamp form is the UTC instant as YYYYMMDDTHHMMSSZ, seconds truncated",
        arguments: [
            ("2026-11-25T22:30:00Z", "20261125T223000Z"),
            ("2026-01-02T03:04:05Z", "20260102T030405Z"),
            ("2024-02-29T00:00:00Z", "20240229T000000Z"),
            ("2026-12-31T23:59:59Z", "20261231T235959Z"),
        ])
    func timestamp(instant: String, expected: String) {
        #expect(CheckpointName.timestamp(CheckpointFixture.date(instant)) == expected)
        // A fraction of a second does not round the name up into the next second.
        #expect(CheckpointName.timestamp(CheckpointFixture.date(instant).addingTimeInterval(0.9)) == expected)
    }

    @Test("pre-restore and scheduled names carry the timestamp and are valid checkpoint names")
    func generatedNames() {
        let instant = CheckpointFixture.date("2026-11-25T22:30:00Z")
        let preRestore = CheckpointName.preRestore(at: instant)
        let scheduled = CheckpointName.scheduled(slot: instant)
        #expect(preRestore == "pre-restore-20261125T223000Z")
        #expect(scheduled == "auto-20261125T223000Z")
        #expect(CheckpointName.isValid(preRestore))
        #expect(CheckpointName.isValid(scheduled))
    }
}
