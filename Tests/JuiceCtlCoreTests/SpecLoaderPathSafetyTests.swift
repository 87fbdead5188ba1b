import Testing

@testable import JuiceCtlCore

/// A spec whose base directory is `baseDir` (written as a YAML double-quoted string), then `extra` from line 4.
private func based(_ baseDir: String, _ extra: String = "") -> String {
    "version: 1\nname: demo\nbaseDir: \"\(baseDir)\"\n" + extra
}

@Suite("SpecLoader paths that cannot be passed safely")
struct SpecLoaderPathSafetyTests {
    @Test(
        "a separator or escape in an overlay path, or a line break or list separator in a host path, is an error at its key",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [\"/srv/a,b\"]\n"), line: 5, column: 15,
                path: "overlay.lowerDirs[0]", message: "contains a comma, which the overlay's mount options would read as a separator"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [\"/srv/base\", \"/srv/x:y\"]\n"), line: 5, column: 28,
                path: "overlay.lowerDirs[1]", message: "the lower directory /srv/x:y contains a colon"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("overlay:\n  lowerDirs: ['/srv/a\\b']\n"), line: 5, column: 15,
                path: "overlay.lowerDirs[0]", message: "contains a backslash"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  upperMount: \"/mnt/u,p\"\n"), line: 6, column: 15,
                path: "overlay.upperMount", message: "the image's mount point /mnt/u,p contains a comma", hint: "without , : or \\"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: \"/srv/demo/da,ta\"\noverlay:\n  lowerDirs: [/srv/base]\n"), line: 5, column: 9,
                path: "mount.path", message: "the image's mount point /srv/demo/da,ta/root-upper contains a comma",
                hint: "set overlay.upperMount"),
            ExpectedDiagnostic(
                yaml: based("/srv/de:mo", "overlay:\n  lowerDirs: [/srv/base]\n  upperMount: /mnt/upper\n"), line: 3, column: 10,
                path: "baseDir",
                message: "the cache directory /srv/de:mo/cache contains a colon, which juicefs --cache-dir reads as a list",
                hint: "set mount.cacheDir"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheDir: /srv/cache*\n"), line: 5, column: 13,
                path: "mount.cacheDir", message: "contains a '*', which juicefs --cache-dir reads as a list of directories or a pattern"),
            ExpectedDiagnostic(
                yaml: based("/srv/de?mo"), line: 3, column: 10,
                path: "baseDir", message: "the metadata database /srv/de?mo/metadata.db contains a '?'"),
            ExpectedDiagnostic(
                yaml: based("/srv/de\\nmo"), line: 3, column: 10,
                path: "baseDir", message: "'/srv/de\\nmo' contains a line break"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: \"/srv/demo/da\\nta\"\n"), line: 5, column: 9,
                path: "mount.path", message: "contains a line break"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("overlay:\n  lowerDirs: [/srv/base]\n  target: \"/mnt/new\\nroot\"\n"), line: 6, column: 11,
                path: "overlay.target", message: "contains a line break"),
        ])
    func unsafePath(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        """
        a space, a tab or a comma in a base directory is fine where nothing parses it; with an overlay the default image mount point \
        must not hold the comma
        """
    )
    func harmlessCharacters() throws {
        let spaced = try SpecFixture.spec(based("/srv/base dir\\tü", "overlay:\n  lowerDirs: [\"/srv/low er\"]\n"))
        #expect(spaced.overlay?.upperMount == "/srv/base dir\tü/data/root-upper")
        #expect(spaced.mount.cacheDir == "/srv/base dir\tü/cache")
        let comma = try SpecFixture.spec(based("/srv/a,b"))
        #expect(comma.mount.path == "/srv/a,b/data")
        #expect(!SpecFixture.errors(based("/srv/a,b", "overlay:\n  lowerDirs: [/srv/base]\n")).isEmpty)
        #expect(SpecFixture.errors(based("/srv/a,b", "overlay:\n  lowerDirs: [/srv/base]\n  upperMount: /mnt/upper\n")).isEmpty)
    }
}

@Suite("SpecLoader mount.allowOther, mount.suid and mount.dev")
struct SpecLoaderMountKernelOptionsTests {
    @Test("the defaults: allow_other, nosuid, nodev")
    func defaults() throws {
        let mount = try SpecFixture.spec().mount
        #expect(mount.allowOther && !mount.suid && !mount.dev)
    }

    @Test("suid and dev are read as written")
    func read() throws {
        let mount = try SpecFixture.spec(SpecFixture.yaml("mount:\n  allowOther: true\n  suid: true\n  dev: false\n")).mount
        #expect(mount.allowOther && mount.suid && !mount.dev)
    }

    @Test(
        "a word of o that contradicts allowOther, suid or dev, and allowOther: false, are errors at their keys",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  allowOther: false\n"), line: 5, column: 15,
                path: "mount.allowOther", message: "juicefs 1.4 mounts with allow_other whenever it runs as root", hint: "0700 baseDir"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  options:\n    o: suid,writeback_cache\n"), line: 6, column: 8,
                path: "mount.options.o", message: "'suid' in o contradicts mount.suid: false", hint: "set mount.suid: true instead"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  dev: true\n  options:\n    o: nodev\n"), line: 7, column: 8,
                path: "mount.options.o", message: "'nodev' in o contradicts mount.dev: true"),
        ])
    func contradictions(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("a word of o that says what the keys say is a warning, and passed once")
    func redundantWords() throws {
        let result = SpecLoader().load(
            text: SpecFixture.yaml("mount:\n  options:\n    o: allow_other,nosuid,writeback_cache\n"), file: "spec.yaml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(
            result.diagnostics.warnings.map(\.message) == [
                "'allow_other' in o is what mount.allowOther (true) says already",
                "'nosuid' in o is what mount.suid (false) says already",
            ])
        let spec = try #require(result.specs.first)
        let arguments = MountCommand.arguments(for: spec)
        #expect(arguments.filter { $0 == "-o" }.count == 1)
        #expect(arguments.contains("allow_other,nosuid,nodev,writeback_cache"))
    }
}
