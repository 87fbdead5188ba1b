import Testing

@testable import JuiceCtlCore

/// One expected diagnostic: where, for which key, and words its message must hold.
struct ExpectedDiagnostic: Sendable, CustomTestStringConvertible {
    var yaml: String
    var line: Int
    var column: Int
    var path: String
    var message: String
    var hint: String? = nil
    var testDescription: String { "\(path) at \(line):\(column): \(message)" }

    /// Checks that `yaml` is rejected with exactly this error among its errors.
    func check(sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let result = SpecLoader().load(text: yaml, file: "spec.yaml")
        #expect(result.specs.isEmpty, sourceLocation: sourceLocation)
        let match = result.diagnostics.errors.first { $0.path == path && $0.message.contains(message) }
        #expect(match != nil, "no error for \(path) containing '\(message)' in \(result.diagnostics)", sourceLocation: sourceLocation)
        guard let match else { return }
        #expect(
            match.location == JuiceCtlCore.SourceLocation(file: "spec.yaml", line: line, column: column), sourceLocation: sourceLocation)
        if let hint {
            #expect(match.hint?.contains(hint) == true, "hint \(match.hint ?? "nil") lacks '\(hint)'", sourceLocation: sourceLocation)
        }
    }
}

@Suite("SpecLoader errors")
struct SpecLoaderErrorTests {
    @Test(
        "an unknown key gets a did-you-mean hint at its line and column",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("metdata:\n  url: sqlite3:///srv/demo/m.db\n"), line: 4, column: 1,
                path: "metdata", message: "unknown key 'metdata'", hint: "did you mean 'metadata'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cachSize: 1GiB\n"), line: 5, column: 3,
                path: "mount.cachSize", message: "unknown key 'cachSize'", hint: "did you mean 'cacheSize'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /a\n    capcity: 1GiB\n"), line: 6, column: 5,
                path: "quotas[0].capcity", message: "unknown key 'capcity'", hint: "did you mean 'capacity'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  options:\n    heartbet: 2s\n"), line: 6, column: 5,
                path: "mount.options.heartbet", message: "unknown key 'heartbet'", hint: "did you mean 'heartbeat'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cache_dir: /c\n"), line: 5, column: 3,
                path: "mount.cache_dir", message: "unknown key", hint: "did you mean 'cacheDir'?"),
        ])
    func unknownKeyWithSuggestion(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("an unknown key with no close match lists the keys that are allowed")
    func unknownKeyListsKeys() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("colour: red\n"), line: 4, column: 1, path: "colour",
            message: "unknown key 'colour'", hint: "expected one of: version, name, baseDir"
        ).check()
    }

    @Test(
        "a mount flag juicectl manages is refused with where to say it instead",
        arguments: [
            ("cache-size: 1024", "cache-size", "set mount.cacheSize instead"),
            ("writeback: true", "writeback", "set mount.writeback instead"),
            ("background: true", "background", "always mounts in the background"),
            ("read-only: true", "read-only", "not supported"),
        ])
    func managedMountFlag(line: String, key: String, hint: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("mount:\n  options:\n    \(line)\n"), line: 6, column: 5,
            path: "mount.options.\(key)", message: "'\(key)' cannot be set here", hint: hint
        ).check()
    }

    @Test(
        "a value of the wrong type is reported at the value",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  trashDays: seven\n"), line: 5, column: 14,
                path: "format.trashDays", message: "expected an integer, found a string"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount: fast\n"), line: 4, column: 8,
                path: "mount", message: "expected a mapping, found a string"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas: {path: /a}\n"), line: 4, column: 9,
                path: "quotas", message: "expected a list, found a mapping"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheSize: 1024\n"), line: 5, column: 14,
                path: "mount.cacheSize", message: "found an integer", hint: "\"1024MiB\""),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  writeback: 1\n"), line: 5, column: 14,
                path: "mount.writeback", message: "expected true or false, found an integer"),
            ExpectedDiagnostic(
                yaml: "version: \"1\"\nname: demo\nbaseDir: /srv/demo\n", line: 1, column: 10,
                path: "version", message: "expected an integer, found a string"),
            ExpectedDiagnostic(
                yaml: "version: 1\nname: 123\nbaseDir: /srv/demo\n", line: 2, column: 7,
                path: "name", message: "found an integer"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  options:\n    heartbeat: [2s]\n"), line: 6, column: 16,
                path: "mount.options.heartbeat", message: "expected a string, number or boolean, found a list"),
        ])
    func wrongType(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a missing required key is reported at the mapping that lacks it",
        arguments: [
            ExpectedDiagnostic(
                yaml: "version: 1\nname: demo\n", line: 1, column: 1,
                path: "", message: "missing required key 'baseDir' in the document"),
            ExpectedDiagnostic(
                yaml: "name: demo\nbaseDir: /srv/demo\n", line: 1, column: 1,
                path: "", message: "missing required key 'version'"),
            ExpectedDiagnostic(
                yaml: "version: 1\nbaseDir: /srv/demo\n", line: 1, column: 1,
                path: "", message: "missing required key 'name'"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - capacity: 1GiB\n"), line: 5, column: 5,
                path: "quotas[0]", message: "missing required key 'path' in 'quotas[0]'"),
        ])
    func missingRequiredKey(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a name that JuiceFS would refuse is rejected at the name",
        arguments: [
            "Demo", "ab", "demo-", "-demo", "de_mo", "de.mo", "", String(repeating: "a", count: 64), "demo\\n",
        ])
    func invalidName(name: String) {
        ExpectedDiagnostic(
            yaml: "version: 1\nname: \"\(name)\"\nbaseDir: /srv/demo\n", line: 2, column: 7,
            path: "name", message: "is not a volume name"
        ).check()
    }

    @Test(
        "names of 3 to 63 lowercase letters, digits and inner dashes are accepted",
        arguments: [
            "abc", "a-b", "0demo9", "my-volume-01", String(repeating: "a", count: 63),
        ])
    func validName(name: String) throws {
        let spec = try SpecFixture.spec("version: 1\nname: \(name)\nbaseDir: /srv/demo\n")
        #expect(spec.name == name)
    }

    @Test(
        "a relative path gets exactly one error, at the value",
        arguments: [
            ExpectedDiagnostic(
                yaml: "version: 1\nname: demo\nbaseDir: srv/demo\n", line: 3, column: 10,
                path: "baseDir", message: "'srv/demo' is not an absolute path", hint: "paths start with /"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: mnt/demo\n"), line: 5, column: 9,
                path: "mount.path", message: "is not an absolute path"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheDir: cache\n"), line: 5, column: 13,
                path: "mount.cacheDir", message: "is not an absolute path"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("storage:\n  path: objects\n"), line: 5, column: 9,
                path: "storage.path", message: "is not an absolute path"),
        ])
    func relativePath(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "\(SpecFixture.errors(expected.yaml))")
    }

    @Test(
        "a path with '.' or '..' components gets exactly one error, at the value",
        arguments: [
            ExpectedDiagnostic(
                yaml: "version: 1\nname: demo\nbaseDir: /srv/../demo\n", line: 3, column: 10,
                path: "baseDir", message: "has '.' or '..' components"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: /mnt/./demo\n"), line: 5, column: 9,
                path: "mount.path", message: "has '.' or '..' components"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /active/../fs\n    capacity: 1GiB\n"), line: 5, column: 11,
                path: "quotas[0].path", message: "has '.' or '..' components"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("metadata:\n  url: sqlite3:///srv/../m.db\n"), line: 5, column: 8,
                path: "metadata.url", message: "does not name an absolute, normalised database path"),
        ])
    func dotDotComponents(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "\(SpecFixture.errors(expected.yaml))")
    }

    @Test(
        "host paths that lie inside the mount point are rejected",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: /mnt/demo\n  cacheDir: /mnt/demo/cache\n"), line: 6, column: 13,
                path: "mount.cacheDir", message: "/mnt/demo/cache lies inside the mount point /mnt/demo"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("storage:\n  path: /srv/demo/data/objects\n"), line: 5, column: 9,
                path: "storage.path", message: "lies inside the mount point /srv/demo/data"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("metadata:\n  url: sqlite3:///srv/demo/data/m.db\n"), line: 5, column: 8,
                path: "metadata.url", message: "/srv/demo/data/m.db lies inside the mount point"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: /srv\n"), line: 3, column: 10,
                path: "baseDir", message: "/srv/demo/.juicectl lies inside the mount point /srv"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  path: /srv/demo\n"), line: 5, column: 9,
                path: "mount.path", message: "the mount point must not be baseDir itself"),
        ])
    func insideMountPoint(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("a root baseDir is rejected")
    func rootBaseDir() {
        ExpectedDiagnostic(
            yaml: "version: 1\nname: demo\nbaseDir: /\n", line: 3, column: 10, path: "baseDir",
            message: "baseDir must not be the root directory", hint: "/var/lib/juicectl/demo"
        ).check()
    }

    @Test(
        "values outside their rules are rejected at the value",
        arguments: [
            ExpectedDiagnostic(
                yaml: "version: 2\nname: demo\nbaseDir: /srv/demo\n", line: 1, column: 10,
                path: "version", message: "unsupported spec version 2"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  blockSize: 32KiB\n"), line: 5, column: 14,
                path: "format.blockSize", message: "outside 64KiB to 16MiB"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  blockSize: 32MiB\n"), line: 5, column: 14,
                path: "format.blockSize", message: "outside 64KiB to 16MiB"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  blockSize: 100.5KiB\n"), line: 5, column: 14,
                path: "format.blockSize", message: "not a whole number of KiB"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  trashDays: 40000\n"), line: 5, column: 14,
                path: "format.trashDays", message: "40000 is above the maximum 36500"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  trashDays: -1\n"), line: 5, column: 14,
                path: "format.trashDays", message: "-1 is below the minimum 0"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("format:\n  compression: zstdd\n"), line: 5, column: 16,
                path: "format.compression", message: "'zstdd' is not one of: none, lz4, zstd", hint: "did you mean 'zstd'?"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheSize: 1000KiB\n"), line: 5, column: 14,
                path: "mount.cacheSize", message: "not a whole number of MiB"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheSize: 10GB\n"), line: 5, column: 14,
                path: "mount.cacheSize", message: "ambiguous", hint: "10GiB"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  uploadDelay: 5 minutes\n"), line: 5, column: 16,
                path: "mount.uploadDelay", message: "'5 minutes' is not a duration"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  options:\n    atime-mode: never\n"), line: 6, column: 17,
                path: "mount.options.atime-mode", message: "is not one of: noatime, relatime, strictatime"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("metadata:\n  url: mysql://root@localhost/jfs\n"), line: 5, column: 8,
                path: "metadata.url", message: "is not a supported metadata engine URL"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("metadata:\n  url: sqlite3://m.db\n"), line: 5, column: 8,
                path: "metadata.url", message: "is not a sqlite3:///absolute/path URL"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("storage:\n  type: gcs\n"), line: 5, column: 9,
                path: "storage.type", message: "'gcs' is not one of: local, s3"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("storage:\n  bucket: /b\n"), line: 5, column: 11,
                path: "storage.bucket", message: "'bucket' belongs to type s3"),
        ])
    func outOfRule(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "quota entries are checked one by one",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /a\n    capacity: 0B\n"), line: 6, column: 15,
                path: "quotas[0].capacity", message: "capacity must be above 0"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /a\n"), line: 5, column: 5,
                path: "quotas[0]", message: "a quota needs capacity, inodes or both"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /a\n    inodes: 0\n"), line: 6, column: 13,
                path: "quotas[0].inodes", message: "0 is below the minimum 1"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /\n    capacity: 1GiB\n"), line: 5, column: 11,
                path: "quotas[0].path", message: "on the volume root is not supported"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: active\n    capacity: 1GiB\n"), line: 5, column: 11,
                path: "quotas[0].path", message: "a path inside the volume, starting with /"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - {path: /a, capacity: 1GiB}\n  - {path: /a/, inodes: 5}\n"), line: 6, column: 5,
                path: "quotas[1].path", message: "a quota for /a is already declared at line 5"),
        ])
    func quotaRules(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("several problems of one file are all reported in one run, in line order")
    func severalErrorsAtOnce() {
        let yaml = """
            version: 1
            name: Demo
            baseDir: /srv/../demo
            mount:
              cachSize: 1GiB
              writeback: yes
            format:
              trashDays: -1
            quotas:
              - path: relative
                capacity: 10TB

            """
        let errors = SpecFixture.errors(yaml)
        let found = errors.map { "\($0.location.line):\($0.location.column) \($0.path)" }
        #expect(
            found == [
                "2:7 name",
                "3:10 baseDir",
                "5:3 mount.cachSize",
                "6:14 mount.writeback",
                "8:14 format.trashDays",
                "10:11 quotas[0].path",
                "11:15 quotas[0].capacity",
            ])
    }

    @Test("a document that is not a mapping is rejected at its start")
    func documentNotAMapping() {
        ExpectedDiagnostic(
            yaml: "- version: 1\n- name: demo\n", line: 1, column: 1, path: "",
            message: "expected a mapping, found a list"
        ).check()
    }

    @Test("diagnostics print as file:line:column: severity: path: message (hint: ...)")
    func diagnosticDescription() throws {
        let error = try #require(SpecFixture.errors(SpecFixture.yaml("mount:\n  cachSize: 1GiB\n"), file: "vols/a.yaml").first)
        #expect(error.description == "vols/a.yaml:5:3: error: mount.cachSize: unknown key 'cachSize' (hint: did you mean 'cacheSize'?)")
    }

    @Test("a path with a NUL character (a \\0 escape in a quoted string) is refused, and the message shows it as \\0")
    func nulInAPath() throws {
        let errors = SpecFixture.errors("version: 1\nname: demo\nbaseDir: \"/srv/\\0x\"\n")
        let error = try #require(errors.first { $0.path == "baseDir" }, "\(errors)")
        #expect(error.message == "'/srv/\\0x' contains a NUL character, which no path can hold")
        #expect(error.location.line == 3 && error.location.column == 10)
    }
}
