import JuiceCtl
import Testing

@Suite("JuiceFSOutput: errors")
struct JuiceFSErrorOutputTests {
    @Test(arguments: [
        ("juicefs/status-unformatted.stderr", "get status: load setting: database is not formatted, please run `juicefs format ...` first"),
        ("juicefs/mount-unformatted.stderr", "database is not formatted, please run `juicefs format ...` first"),
        ("juicefs/umount-busy.stderr", "fusermount: failed to unmount /tmp/jc-fixtures/mnt: Device or resource busy"),
        ("juicefs/umount-not-mounted.stderr", "fusermount: failed to unmount /tmp/jc-fixtures/notmounted: Invalid argument"),
        ("juicefs/umount-missing.stderr", "fusermount: failed to unmount /tmp/jc-fixtures/missing-dir: No such file or directory"),
        ("juicefs/quota-get-missing.stderr", "resolve dir /nope: no such file or directory"),
        ("juicefs/quota-set-missing.stderr", "resolve dir /nope: no such file or directory"),
    ])
    func extractsTheFatalMessageWithoutTimestampAndSourcePosition(fixture: String, message: String) throws {
        #expect(JuiceFSOutput.errorMessage(try Fixture.text(fixture)) == message)
    }

    @Test func prefersTheLastFatalLineOverLaterErrorsAndWarnings() {
        let stderr = """
            2026/11/25 22:17:39.000000 juicefs[1] <FATAL>: first [a@b.go:1]
            2026/11/25 22:17:39.100000 juicefs[1] <ERROR>: an error [a@b.go:2]
            2026/11/25 22:17:39.200000 juicefs[1] <FATAL>: second [a@b.go:3]
            2026/11/25 22:17:39.300000 juicefs[1] <WARNING>: later [a@b.go:4]
            """
        #expect(JuiceFSOutput.errorMessage(stderr) == "second")
    }

    @Test func fallsBackToTheLastErrorLine() {
        let stderr = """
            2026/11/25 22:17:39.000000 juicefs[1] <ERROR>: upload failed [a@b.go:1]
            2026/11/25 22:17:39.100000 juicefs[1] <INFO>: retrying [a@b.go:2]
            """
        #expect(JuiceFSOutput.errorMessage(stderr) == "upload failed")
    }

    @Test func fallsBackToTheLastNonEmptyLineOfUnstructuredOutput() {
        #expect(JuiceFSOutput.errorMessage("umount: /x: not mounted.\n\n  \n") == "umount: /x: not mounted.")
    }

    @Test func saysSoWhenThereIsNoOutput() {
        #expect(JuiceFSOutput.errorMessage("") == "no error output")
        #expect(JuiceFSOutput.errorMessage("\n \n") == "no error output")
    }

    @Test func keepsBracketsThatAreNotASourcePosition() {
        let stderr = "2026/11/25 22:17:39.000000 juicefs[1] <FATAL>: bad value [x] in config"
        #expect(JuiceFSOutput.errorMessage(stderr) == "bad value [x] in config")
    }
}
