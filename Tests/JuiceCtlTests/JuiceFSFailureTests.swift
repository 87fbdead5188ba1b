import Testing

@testable import JuiceCtl

@Suite("JuiceFSFailure: juicefs errors as types")
struct JuiceFSFailureTests {
    @Test(
        "each recorded juicefs failure maps to its type",
        arguments: [
            ("juicefs/status-unformatted.stderr", JuiceFSFailure.notFormatted),
            ("juicefs/mount-unformatted.stderr", .notFormatted),
            ("juicefs/format-not-empty.stderr", .storageNotEmpty),
            ("juicefs/umount-busy.stderr", .other),
            ("juicefs/umount-not-mounted.stderr", .other),
            ("juicefs/umount-missing.stderr", .other),
            ("juicefs/quota-get-missing.stderr", .other),
            ("juicefs/quota-set-missing.stderr", .other),
        ])
    func mapsRecordedOutput(fixture: String, failure: JuiceFSFailure) throws {
        #expect(JuiceFSFailure(stderr: try Fixture.text(fixture)) == failure)
    }

    @Test func aSuccessfulFormatsLogIsNoRecognisedFailure() throws {
        #expect(JuiceFSFailure(stderr: try Fixture.text("juicefs/format.stderr")) == .other)
    }

    @Test func onlyTheErrorLineCounts() {
        let stderr = """
            2026/11/25 22:17:39.000000 juicefs[1] <INFO>: the database is not formatted yet, formatting [a@b.go:1]
            2026/11/25 22:17:39.100000 juicefs[1] <FATAL>: Storage file:///x/ is not reachable [a@b.go:2]
            """
        #expect(JuiceFSFailure(stderr: stderr) == .other)
    }
}
