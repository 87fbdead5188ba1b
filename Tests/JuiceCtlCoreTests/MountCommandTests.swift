import Testing

@testable import JuiceCtlCore

@Suite("MountCommand")
struct MountCommandTests {
    static let url = "sqlite3:///srv/demo/metadata.db?_journal_mode=WAL&_busy_timeout=5000"

    static func optionsSpec() throws -> VolumeSpec {
        try SpecFixture.spec(
            SpecFixture.yaml(
                """
                mount:
                  cacheSize: 10GiB
                  writeback: true
                  uploadDelay: 1m30s
                  options:
                    sort-dir: false
                    heartbeat: 2s
                    o: writeback_cache
                    enable-xattr: true

                """))
    }

    @Test("the default spec mounts in the background with juicectl's log, cache and no usage report")
    func defaultArguments() throws {
        #expect(
            MountCommand.arguments(for: try SpecFixture.spec()) == [
                "--no-agent", "mount", "--background",
                "--log=/srv/demo/logs/juicefs.log",
                "--cache-dir=/srv/demo/cache",
                "--cache-size=102400",
                "--no-usage-report",
                "-o", "allow_other,nosuid,nodev",
                Self.url, "/srv/demo/data",
            ])
    }

    @Test("writeback, uploadDelay and options become flags before the metadata URL")
    func optionArguments() throws {
        #expect(
            MountCommand.arguments(for: try Self.optionsSpec()) == [
                "--no-agent", "mount", "--background",
                "--log=/srv/demo/logs/juicefs.log",
                "--cache-dir=/srv/demo/cache",
                "--cache-size=10240",
                "--no-usage-report",
                "--writeback",
                "--upload-delay=1m30s",
                "-o", "allow_other,nosuid,nodev,writeback_cache",
                "--enable-xattr",
                "--heartbeat=2s",
                "--sort-dir=false",
                Self.url, "/srv/demo/data",
            ])
    }

    @Test(
        "an option renders as its command-line words",
        arguments: [
            (VolumeSpec.MountOption(name: "enable-xattr", value: "true", isBoolean: true), ["--enable-xattr"]),
            (VolumeSpec.MountOption(name: "sort-dir", value: "false", isBoolean: true), ["--sort-dir=false"]),
            (VolumeSpec.MountOption(name: "heartbeat", value: "2s", isBoolean: false), ["--heartbeat=2s"]),
            (
                VolumeSpec.MountOption(name: "o", value: "allow_other,default_permissions", isBoolean: false),
                ["-o", "allow_other,default_permissions"]
            ),
        ])
    func optionWords(option: VolumeSpec.MountOption, words: [String]) {
        #expect(option.arguments == words)
    }

    @Test("parse splits flags from positional words")
    func parseDesired() throws {
        let parsed = MountCommand.parse(MountCommand.arguments(for: try Self.optionsSpec()))
        #expect(parsed.positional == ["mount", Self.url, "/srv/demo/data"])
        #expect(
            parsed.flags == [
                "no-agent": "true", "background": "true", "log": "/srv/demo/logs/juicefs.log", "cache-dir": "/srv/demo/cache",
                "cache-size": "10240", "no-usage-report": "true", "writeback": "true", "upload-delay": "1m30s",
                "enable-xattr": "true", "heartbeat": "2s", "o": "allow_other,nosuid,nodev,writeback_cache", "sort-dir": "false",
            ])
    }

    @Test("parse reads -d as --background, drops --background=false, skips empty words and keeps = in values")
    func parseSpellings() {
        #expect(MountCommand.parse(["mount", "-d"]).flags == ["background": "true"])
        #expect(MountCommand.parse(["mount", "--background=false"]).flags.isEmpty)
        let parsed = MountCommand.parse(["", "mount", "", "--custom-labels=a=b", "-", "/mnt", ""])
        #expect(parsed.flags == ["custom-labels": "a=b"])
        #expect(parsed.positional == ["mount", "-", "/mnt"])
    }

    @Test("an unchanged command line has no changed flags")
    func unchanged() throws {
        let desired = MountCommand.arguments(for: try Self.optionsSpec())
        #expect(MountCommand.changedFlags(live: desired, desired: desired).isEmpty)
    }

    @Test("a changed cache size is the only changed flag")
    func changedCacheSize() throws {
        let spec = try SpecFixture.spec()
        let live = ObservationFixture.arguments(spec, replacing: "--cache-size=", with: ["--cache-size=51200"])
        #expect(MountCommand.changedFlags(live: live, desired: MountCommand.arguments(for: spec)) == ["cache-size"])
    }

    @Test(
        "a bare boolean flag differs from its absence, while =false equals it",
        arguments: [
            (["--sort-dir"], ["sort-dir"]),
            (["--sort-dir=true"], ["sort-dir"]),
            (["--sort-dir=false"], []),
        ])
    func booleanFlags(extra: [String], changed: [String]) throws {
        let desired = MountCommand.arguments(for: try SpecFixture.spec())
        var live = desired
        live.insert(contentsOf: extra, at: 3)
        #expect(MountCommand.changedFlags(live: live, desired: desired) == changed)
        #expect(MountCommand.changedFlags(live: desired, desired: live) == changed)
    }

    @Test("a flag missing from the live command line counts as changed; several changes come sorted")
    func missingAndSorted() throws {
        let spec = try Self.optionsSpec()
        let desired = MountCommand.arguments(for: spec)
        let live = desired.filter {
            $0 != "--writeback" && $0 != "--enable-xattr" && $0 != "-o" && $0 != "allow_other,nosuid,nodev,writeback_cache"
        }
        .map { $0 == "--cache-size=10240" ? "--cache-size=102400" : $0 }
        #expect(MountCommand.changedFlags(live: live, desired: desired) == ["cache-size", "enable-xattr", "o", "writeback"])
    }

    @Test(
        """
        a client an earlier juicectl started with no -o, or with -o allow_other, has no changed flag: juicectl's words are judged by \
        mountinfo
        """
    )
    func earlierClientsKeepTheirFlags() throws {
        let spec = try SpecFixture.spec()
        let desired = MountCommand.arguments(for: spec)
        let withoutO = desired.filter { $0 != "-o" && $0 != "allow_other,nosuid,nodev" }
        #expect(MountCommand.changedFlags(live: withoutO, desired: desired).isEmpty)
        let allowOther = withoutO.prefix(7) + ["-o", "allow_other"] + withoutO.dropFirst(7)
        #expect(MountCommand.changedFlags(live: Array(allowOther), desired: desired).isEmpty)
        let other = withoutO.prefix(7) + ["-o", "allow_other,writeback_cache"] + withoutO.dropFirst(7)
        #expect(MountCommand.changedFlags(live: Array(other), desired: desired) == ["o"], "a word of the spec's own still counts")
    }

    @Test("mount.suid and mount.dev turn nosuid and nodev into suid and dev, and allowOther is always passed")
    func kernelWordsFollowTheSpec() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("mount:\n  suid: true\n  dev: true\n  allowOther: true\n"))
        #expect(spec.mount.allowOther && spec.mount.suid && spec.mount.dev)
        let arguments = MountCommand.arguments(for: spec)
        let o = try #require(arguments.firstIndex(of: "-o"))
        #expect(arguments[o + 1] == "allow_other,suid,dev")
        #expect(KernelMountOptions.imageWords(spec.mount) == ["suid", "dev"])
        #expect(KernelMountOptions.imageWords(try SpecFixture.spec().mount) == ["nosuid", "nodev"])
    }

    @Test("words after the metadata URL are ignored: juicefs rewrites them in its process title")
    func wordsAfterURLIgnored() throws {
        let desired = MountCommand.arguments(for: try SpecFixture.spec())
        let flags = Array(desired.dropLast(2))
        #expect(MountCommand.changedFlags(live: flags + ["sqlite3:///srv/demo/metadata.db"], desired: desired).isEmpty)
        #expect(MountCommand.changedFlags(live: flags + ["sqlite3:///srv/demo/metadata.db", "/elsewhere"], desired: desired).isEmpty)
        #expect(MountCommand.changedFlags(live: flags, desired: desired).isEmpty)
    }

    @Test("empty words, as NUL padding leaves them, are ignored")
    func emptyWordsIgnored() throws {
        let desired = MountCommand.arguments(for: try SpecFixture.spec())
        let padded = desired.flatMap { [$0, ""] } + Array(repeating: "", count: 8)
        #expect(MountCommand.changedFlags(live: padded, desired: desired).isEmpty)
    }

    @Test("-d on the live mount equals --background in the spec")
    func shortBackground() throws {
        let desired = MountCommand.arguments(for: try SpecFixture.spec())
        let live = desired.map { $0 == "--background" ? "-d" : $0 }
        #expect(MountCommand.changedFlags(live: live, desired: desired).isEmpty)
    }

    @Test("a flag value holding a space compares whole, so a path with a space is not a change")
    func spaceInPath() throws {
        let spec = try SpecFixture.spec("version: 1\nname: demo\nbaseDir: /srv/my volumes/demo\n")
        let desired = MountCommand.arguments(for: spec)
        #expect(desired.contains("--log=/srv/my volumes/demo/logs/juicefs.log"))
        // What the process-title reader returns: `--name=value` whole, the URL and mount point as one last word.
        let live = Array(desired.dropLast(2)) + [desired.suffix(2).joined(separator: " ")]
        #expect(MountCommand.changedFlags(live: live, desired: desired).isEmpty)
        let changed = live.map { $0 == "--log=/srv/my volumes/demo/logs/juicefs.log" ? "--log=/srv/other/juicefs.log" : $0 }
        #expect(MountCommand.changedFlags(live: changed, desired: desired) == ["log"])
    }

    @Test(
        "a live command line whose last flag juicefs joined to the masked metadata URL with a space reads as the flag and the URL",
        arguments: [
            (["--no-usage-report", "--heartbeat=3s sqlite"], ["--no-usage-report", "--heartbeat=3s", "sqlite"]),
            (["--heartbeat=3s sqlite3:///srv/a b/meta.db"], ["--heartbeat=3s", "sqlite3:///srv/a b/meta.db"]),
            (["--heartbeat=3s redis://h:6379/1"], ["--heartbeat=3s", "redis://h:6379/1"]),
            (["--cache-dir=/srv/my cache", "sqlite3:///m.db"], ["--cache-dir=/srv/my cache", "sqlite3:///m.db"]),
            (["--cache-dir=/srv/x sqlitefiles"], ["--cache-dir=/srv/x sqlitefiles"]),
        ])
    func liveWordsMendTheTitleJoin(words: [String], expected: [String]) {
        #expect(MountCommand.liveWords(words) == expected)
    }

    @Test func aJoinedHeartbeatFlagIsNotReadAsAChangedOption() {
        let desired = ["--no-agent", "mount", "--heartbeat=3s", "sqlite3:///srv/m.db", "/srv/data"]
        let live = ["--no-agent", "mount", "--heartbeat=3s sqlite", "", ""]
        #expect(MountCommand.changedFlags(live: live, desired: desired) == ["heartbeat"], "unmended, the join reads as a change")
        #expect(MountCommand.changedFlags(live: MountCommand.liveWords(live), desired: desired).isEmpty)
    }
}
