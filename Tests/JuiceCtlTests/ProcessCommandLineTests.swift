import JuiceCtlCore
import Testing

@testable import JuiceCtl

@Suite("ProcessCommandLine.split")
struct ProcessCommandLineTests {
    static func bytes(_ words: [String]) -> [UInt8] {
        words.flatMap { Array($0.utf8) + [0] }
    }

    @Test func splitsANormalCommandLineAtNULs() {
        let words = ["/usr/bin/juicefs", "mount", "--log=/var/log/x y.log", "sqlite3:///m.db", "/mnt/a b"]
        #expect(ProcessCommandLine.split(Self.bytes(words)) == words)
    }

    @Test func keepsALastWordWithoutTrailingNUL() {
        #expect(ProcessCommandLine.split(Array("a\0b\0c".utf8)) == ["a", "b", "c"])
    }

    @Test func dropsEmptyWords() {
        #expect(ProcessCommandLine.split(Array("a\0\0b\0".utf8)) == ["a", "b"])
    }

    @Test func readsNothingFromNoBytes() {
        #expect(ProcessCommandLine.split([]).isEmpty)
        #expect(ProcessCommandLine.split([0, 0, 0]).isEmpty)
    }

    @Test func splitsTheRealRewrittenJuiceFSCommandLineOnSpaces() throws {
        let words = ProcessCommandLine.split(try Fixture.bytes("host/cmdline-child.bin"))
        #expect(
            words == [
                "/work/main/.tools/venv/bin/juicefs", "--no-agent", "mount", "--background",
                "--log=/tmp/jc-fixtures/logs/juicefs.log", "--cache-dir=/tmp/jc-fixtures/cache", "--cache-size=1024",
                "--no-usage-report", "--heartbeat=2s",
                // juicefs cut its title at the original length: the URL is truncated, the mount point is gone.
                "sqlite3:///tmp/jc-fixtures/meta.db?_journal_mode=WAL&_busy_timeo",
            ])
    }

    @Test func keepsSpacesInsideFlagValuesOfARewrittenCommandLine() {
        let line = "/usr/bin/juicefs --no-agent mount --log=/var/log/a b.log -o allow_other --writeback sqlite3:///m.db?x=1 /mnt/a b"
        #expect(
            ProcessCommandLine.split(Array(line.utf8) + [0, 0, 0]) == [
                "/usr/bin/juicefs", "--no-agent", "mount", "--log=/var/log/a b.log", "-o", "allow_other", "--writeback",
                "sqlite3:///m.db?x=1 /mnt/a b",
            ])
    }

    @Test func theSupervisorShowsTheSameRewrittenCommandLine() throws {
        #expect(
            ProcessCommandLine.split(try Fixture.bytes("host/cmdline-supervisor.bin"))
                == ProcessCommandLine.split(try Fixture.bytes("host/cmdline-child.bin")))
    }

    @Test func theRealCommandLineReadsBackAsTheSpecThatMountedIt() throws {
        let spec = try TestSpec.make(
            baseDir: "/tmp/jc-fixtures",
            """
            mount:
              path: /tmp/jc-fixtures/mnt
              cacheSize: 1GiB
              options:
                heartbeat: 2s
            """)
        let live = Array(ProcessCommandLine.split(try Fixture.bytes("host/cmdline-child.bin")).dropFirst())
        #expect(MountCommand.changedFlags(live: live, desired: MountCommand.arguments(for: spec)).isEmpty)
    }

    @Test func theRealCommandLineShowsAChangedFlag() throws {
        let spec = try TestSpec.make(
            baseDir: "/tmp/jc-fixtures",
            """
            mount:
              cacheSize: 2GiB
              options:
                heartbeat: 2s
            """)
        let live = Array(ProcessCommandLine.split(try Fixture.bytes("host/cmdline-child.bin")).dropFirst())
        #expect(MountCommand.changedFlags(live: live, desired: MountCommand.arguments(for: spec)) == ["cache-size"])
    }

    @Test func aRewrittenTitleOfAVolumeUnderAPathWithSpacesReadsBackUnchanged() throws {
        let spec = try TestSpec.make(baseDir: "/srv/my volumes/demo", "")
        let desired = MountCommand.arguments(for: spec)
        let title = (["/usr/bin/juicefs"] + desired).joined(separator: " ")
        let live = Array(ProcessCommandLine.split(Array(title.utf8) + [0, 0]).dropFirst())
        #expect(MountCommand.changedFlags(live: live, desired: desired).isEmpty)
    }
}
