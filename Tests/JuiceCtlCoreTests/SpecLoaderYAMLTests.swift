import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("SpecLoader YAML handling")
struct SpecLoaderYAMLTests {
    @Test(
        "a duplicate key is reported at its second occurrence",
        arguments: [
            ExpectedDiagnostic(
                yaml: "version: 1\nname: demo\nbaseDir: /srv/demo\nname: other\n", line: 4, column: 1,
                path: "name", message: "duplicate key 'name' (first at line 2, column 1)",
                hint: "each key may appear once"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("mount:\n  cacheSize: 1GiB\n  writeback: true\n  cacheSize: 2GiB\n"),
                line: 7, column: 3, path: "cacheSize", message: "duplicate key 'cacheSize' (first at line 5, column 3)"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("quotas:\n  - path: /a\n    capacity: 1GiB\n    path: /b\n"),
                line: 7, column: 5, path: "path", message: "duplicate key 'path' (first at line 5, column 5)"),
            ExpectedDiagnostic(
                yaml: "version: 1\nname: demo\nbaseDir: /srv/demo\n\"name\": other\n", line: 4, column: 1,
                path: "name", message: "duplicate key 'name'"),
        ])
    func duplicateKey(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("Windows line endings give the same volume and the same positions")
    func crlf() throws {
        let crlf = SpecFixture.minimalYAML.replacing("\n", with: "\r\n")
        #expect(try SpecFixture.spec(crlf) == (try SpecFixture.spec()))
        ExpectedDiagnostic(
            yaml: crlf + "mount:\r\n  cachSize: 1GiB\r\n", line: 5, column: 3, path: "mount.cachSize",
            message: "unknown key 'cachSize'"
        ).check()
        ExpectedDiagnostic(
            yaml: crlf + "name: again\r\n", line: 4, column: 1, path: "name",
            message: "duplicate key 'name' (first at line 2, column 1)"
        ).check()
    }

    @Test("a byte order mark at the start of the text is not part of the first key")
    func byteOrderMark() throws {
        #expect(try SpecFixture.spec("\u{FEFF}" + SpecFixture.minimalYAML) == (try SpecFixture.spec()))
        ExpectedDiagnostic(
            yaml: "\u{FEFF}" + SpecFixture.yaml("colour: red\n"), line: 4, column: 1, path: "colour",
            message: "unknown key 'colour'"
        ).check()
    }

    @Test("a file with several documents yields one volume per document")
    func multiDocument() throws {
        let result = SpecLoader().load(
            text: """
                version: 1
                name: first
                baseDir: /srv/first
                ---
                version: 1
                name: second
                baseDir: /srv/second
                quotas: []

                """, file: "two.yaml")
        #expect(result.diagnostics.isEmpty)
        try #require(result.specs.count == 2)
        #expect(result.specs.map(\.name) == ["first", "second"])
        #expect(result.specs.map(\.origin.document) == [0, 1])
        #expect(result.specs[1].origin.location.line == 5)
        #expect(result.specs[1].quotas.isEmpty)
    }

    @Test("an empty document between separators is an error that names it")
    func emptyDocument() {
        let result = SpecLoader().load(text: "---\n---\n" + SpecFixture.minimalYAML, file: "x.yaml")
        #expect(result.diagnostics.errors.count == 1)
        let error = result.diagnostics.errors.first
        #expect(error?.message == "document 1 is empty")
        #expect(error?.hint?.contains("---") == true)
        #expect(result.specs.map(\.name) == ["demo"])
    }

    @Test("a file without any document is an error at 1:1", arguments: ["", "# only a comment\n", "\n\n"])
    func noDocument(text: String) {
        let errors = SpecFixture.errors(text, file: "x.yaml")
        #expect(errors.count == 1)
        #expect(errors.first?.message == "the file holds no document")
        #expect(errors.first?.location == JuiceCtlCore.SourceLocation(file: "x.yaml", line: 1, column: 1))
    }

    @Test(
        "the credential keys are no longer reserved: an unknown key in them is an error, not a warning, and is not quoted",
        arguments: [
            ("storage", "accessKey", "type: s3\n  bucket: http://127.0.0.1:9000/b\n  secretKey: {env: SK}\n  "),
            ("storage", "secretKey", "type: s3\n  bucket: http://127.0.0.1:9000/b\n  accessKey: {env: AK}\n  "),
            ("metadata", "password", "url: redis://127.0.0.1:6379/1\n  "),
        ])
    func formerlyReservedCredential(section: String, key: String, siblings: String) {
        let result = SpecLoader().load(text: SpecFixture.yaml("\(section):\n  \(siblings)\(key):\n    anything: 1\n"), file: "x.yaml")
        #expect(result.specs.isEmpty)
        #expect(result.diagnostics.warnings.isEmpty, "\(result.diagnostics)")
        let error = result.diagnostics.errors.first { $0.message.contains("unknown key in a secret reference") }
        #expect(error?.path == "\(section).\(key)", "\(result.diagnostics)")
        #expect(!result.diagnostics.contains { $0.description.contains("anything") }, "\(result.diagnostics)")
    }

    @Test(
        "checkpoints, restore, overlay, backup and suspend are no longer reserved: an unknown key in them is an error, not a warning",
        arguments: [
            ("checkpoints", "schedule, retain, quiesce, durable"), ("restore", "checkpoint, requestId, terminateUsers, grace"),
            ("overlay", "enabled, imageSize, lowerDirs, target, upperMount, mountOptions, onCorrupt"),
            ("backup", "enabled, replica, syncInterval, snapshotInterval, retention"),
            ("suspend", "reason"),
        ])
    func formerlyReservedSection(key: String, allowed: String) {
        let result = SpecLoader().load(text: SpecFixture.yaml("\(key):\n  anything: 1\n"), file: "spec.yaml")
        #expect(result.specs.isEmpty)
        #expect(!result.diagnostics.warnings.contains { $0.message.contains("reserved") }, "\(result.diagnostics)")
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("\(key):\n  anything: 1\n"), line: 5, column: 3, path: "\(key).anything",
            message: "unknown key 'anything'", hint: "expected one of: \(allowed)"
        ).check()
    }

    @Test("a secret reference that is neither a mapping nor a string is an error at the value")
    func secretReferenceNotMapping() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  accessKey: true\n"), line: 5, column: 14, path: "storage.accessKey",
            message: "expected {env: NAME} or {file: /absolute/path}, found a boolean"
        ).check()
    }

    @Test("suspend that is not a mapping is an error")
    func suspendNotMapping() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("suspend: true\n"), line: 4, column: 10, path: "suspend",
            message: "expected a mapping, found a boolean"
        ).check()
    }

    @Test("uploadDelay without writeback is accepted with a warning")
    func uploadDelayWithoutWriteback() {
        let result = SpecLoader().load(text: SpecFixture.yaml("mount:\n  uploadDelay: 30s\n"), file: "x.yaml")
        #expect(!result.diagnostics.hasErrors)
        #expect(result.diagnostics.warnings.map(\.path) == ["mount.uploadDelay"])
        #expect(result.specs.first?.mount.uploadDelay == .seconds(30))
    }

    @Test(
        "YAML 1.1 booleans such as yes and on are strings, so a boolean key rejects them with a hint",
        arguments: [
            "yes", "no", "on", "off", "y", "Yes", "NO",
        ])
    func yaml11Booleans(word: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("mount:\n  writeback: \(word)\n"), line: 5, column: 14,
            path: "mount.writeback", message: "expected true or false, found a string",
            hint: "'\(word)' is a string in YAML 1.2"
        ).check()
    }

    @Test(
        "true and false in any YAML 1.2 spelling are booleans",
        arguments: [
            ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false),
        ])
    func yaml12Booleans(word: String, value: Bool) throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("mount:\n  writeback: \(word)\n"))
        #expect(spec.mount.writeback == value)
    }

    @Test("a quoted number is a string and a 0o prefix is YAML 1.2 octal")
    func yaml12Numbers() throws {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("format:\n  trashDays: \"7\"\n"), line: 5, column: 14,
            path: "format.trashDays", message: "expected an integer, found a string"
        ).check()
        let octal = try SpecFixture.spec(SpecFixture.yaml("format:\n  trashDays: 0o17\n"))
        #expect(octal.format.trashDays == 15)
        let explicit = try SpecFixture.spec("version: 1\nname: !!str 123\nbaseDir: /srv/demo\n")
        #expect(explicit.name == "123")
    }

    @Test(
        "scalars resolve by the YAML 1.2 core schema",
        arguments: [
            ("~", "null"), ("null", "null"), ("", "null"), ("true", "a boolean"), ("yes", "a string"), ("on", "a string"),
            ("0755", "an integer"), ("-12", "an integer"), ("0x1F", "an integer"), ("1.5", "a number"), ("1e3", "a number"),
            (".inf", "a number"), ("1_000", "a string"), ("0o8", "a string"), ("'true'", "a string"), ("12abc", "a string"),
        ])
    func coreSchemaTyping(scalar: String, type: String) throws {
        let result = SpecLoader().load(text: SpecFixture.yaml("format:\n  trashDays: \(scalar)\n"), file: "x.yaml")
        if type == "an integer" {
            #expect(!result.diagnostics.contains { $0.message.contains("expected an integer") })
        } else {
            #expect(result.diagnostics.contains { $0.message.contains("expected an integer, found \(type)") }, "\(result.diagnostics)")
        }
    }

    @Test("a syntax error is reported at its line and column")
    func syntaxError() throws {
        let errors = SpecFixture.errors(SpecFixture.yaml("mount:\n  path: \"/mnt/demo\n"), file: "x.yaml")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.hasPrefix("invalid YAML:"))
        #expect(error.location.line >= 5)
        #expect(error.location.file == "x.yaml")
    }

    @Test("a syntax error in a later document keeps the documents before it")
    func syntaxErrorInSecondDocument() {
        let result = SpecLoader().load(text: SpecFixture.minimalYAML + "---\nversion: 1\nname: [b\n", file: "x.yaml")
        #expect(result.specs.map(\.name) == ["demo"])
        #expect(result.diagnostics.errors.count == 1)
        #expect(result.diagnostics.errors.first?.location.line ?? 0 >= 6)
    }

    @Test("a mapping key that is not plain text is rejected")
    func complexKey() {
        let errors = SpecFixture.errors(SpecFixture.yaml("? [a, b]\n: c\n"))
        #expect(errors.map(\.message) == ["mapping keys must be plain text"])
        #expect(errors.first?.location.line == 4)
    }

    @Test("aliases that expand exponentially are rejected quickly instead of exhausting memory")
    func billionLaughs() {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        let names = "abcdefghijk".map(String.init)
        for (previous, name) in zip(names, names.dropFirst()) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        var errors: [Diagnostic] = []
        let elapsed = clock.measure { errors = SpecFixture.errors(text, file: "laughs.yaml") }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("expands to more than 20000 values") == true)
        #expect(errors.first?.hint?.contains("aliases") == true)
        #expect(elapsed < .seconds(5))
    }

    @Test("a few harmless aliases are fine")
    func harmlessAliases() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                quotas:
                  - &q {path: /a, capacity: 1GiB}
                  - {path: /b, capacity: 1GiB}

                """))
        #expect(spec.quotas.map(\.path) == ["/a", "/b"])
    }

    @Test("very deep nesting is rejected instead of recursing without bound", arguments: [65, 100, 2000])
    func deepNesting(depth: Int) {
        let text = SpecFixture.yaml("overlay: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n")
        let clock = ContinuousClock()
        var errors: [Diagnostic] = []
        let elapsed = clock.measure { errors = SpecFixture.errors(text) }
        #expect(errors.count == 1)
        // juicectl stops at 64 levels; libyaml itself stops at 1000, before juicectl sees the document.
        #expect(errors.first?.message.lowercased().contains("nest") == true, "\(errors)")
        #expect(elapsed < .seconds(5))
    }
}
