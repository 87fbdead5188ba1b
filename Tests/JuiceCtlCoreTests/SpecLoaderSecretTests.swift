import Foundation
import Testing

@testable import JuiceCtlCore

/// A value that must never appear in anything juicectl prints.
let secretValue = "s3cr3t-VALUE-42"

/// Records an issue for every diagnostic (message, hint, path) that contains `secret`.
func expectNoSecret(
    in diagnostics: [Diagnostic], _ secret: String = secretValue,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    for diagnostic in diagnostics where diagnostic.description.contains(secret) {
        Issue.record("a diagnostic repeats the secret: \(diagnostic)", sourceLocation: sourceLocation)
    }
}

/// S3 storage whose keys are `accessKey` and `secretKey` (YAML text after `key: `).
func s3YAML(accessKey: String = "{env: S3_ACCESS_KEY}", secretKey: String = "{env: S3_SECRET_KEY}") -> String {
    SpecFixture.yaml(
        "storage:\n  type: s3\n  bucket: http://127.0.0.1:19000/mybucket\n  accessKey: \(accessKey)\n  secretKey: \(secretKey)\n")
}

@Suite("Spec secret references")
struct SpecLoaderSecretTests {
    @Test("a key from the environment and a key from a file are references, not values")
    func references() throws {
        let spec = try SpecFixture.spec(s3YAML(accessKey: "{env: S3_ACCESS_KEY}", secretKey: "{file: /etc/juicectl/s3-secret}"))
        #expect(
            spec.storage
                == .s3(
                    bucket: "http://127.0.0.1:19000/mybucket", accessKey: .env("S3_ACCESS_KEY"),
                    secretKey: .file("/etc/juicectl/s3-secret")))
    }

    @Test("a reference may be written as a block mapping")
    func blockMapping() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password:\n    file: /run/secrets/redis\n"))
        #expect(spec.metadata.password == .file("/run/secrets/redis"))
    }

    @Test(
        "a secret file's path is normalised",
        arguments: [
            ("//etc//juicectl/pw/", "/etc/juicectl/pw"), ("/run/secrets/..pw", "/run/secrets/..pw"),
        ])
    func filePathNormalised(written: String, normalised: String) throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {file: \"\(written)\"}\n"))
        #expect(spec.metadata.password == .file(normalised))
    }

    @Test(
        "environment variable names follow the shell: letters, digits and _, not starting with a digit",
        arguments: [
            "A", "_", "s3_key", "REDIS_PASSWORD_2", "yes",
        ])
    func validEnvironmentNames(name: String) throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: \(name)}\n"))
        #expect(spec.metadata.password == .env(name))
    }

    @Test(
        "an inline secret is refused at its position with a hint, and the error does not repeat it",
        arguments: [
            ("\(secretValue)", 14), ("\"\(secretValue)\"", 14), ("'\(secretValue)'", 14), ("!!str \(secretValue)", 14),
        ])
    func inlineSecret(written: String, column: Int) {
        let yaml = s3YAML(accessKey: written)
        ExpectedDiagnostic(
            yaml: yaml, line: 7, column: column, path: "storage.accessKey", message: "an inline secret is not accepted",
            hint: "{env: NAME} or {file: /absolute/path}"
        ).check()
        let result = SpecLoader().load(text: yaml, file: "spec.yaml")
        expectNoSecret(in: result.diagnostics)
        #expect(result.diagnostics.errors.count == 1, "\(result.diagnostics)")
    }

    @Test("an inline secret in a block scalar is refused too, at the scalar")
    func inlineBlockScalar() {
        let yaml = SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: |\n    \(secretValue)\n")
        ExpectedDiagnostic(yaml: yaml, line: 6, column: 13, path: "metadata.password", message: "an inline secret is not accepted").check()
        expectNoSecret(in: SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics)
    }

    @Test(
        "a secret that YAML reads as a number or a boolean is refused without being repeated",
        arguments: [
            ("12345678901234", "an integer"), ("3.14159", "a number"), ("true", "a boolean"), ("[\(secretValue)]", "a list"), ("~", "null"),
        ])
    func notAMapping(written: String, found: String) {
        let yaml = s3YAML(secretKey: written)
        ExpectedDiagnostic(
            yaml: yaml, line: 8, column: 14, path: "storage.secretKey",
            message: "expected {env: NAME} or {file: /absolute/path}, found \(found)"
        ).check()
        let result = SpecLoader().load(text: yaml, file: "spec.yaml")
        expectNoSecret(in: result.diagnostics)
        expectNoSecret(in: result.diagnostics, "12345678901234")
        expectNoSecret(in: result.diagnostics, "3.14159")
    }

    @Test(
        "a reference names exactly one of env and file",
        arguments: [
            "{env: AK, file: /etc/ak}", "{}",
        ])
    func exactlyOne(written: String) {
        ExpectedDiagnostic(
            yaml: s3YAML(accessKey: written), line: 7, column: 14, path: "storage.accessKey",
            message: "a secret reference names exactly one of env and file", hint: "{env: NAME}"
        ).check()
    }

    @Test(
        "an unknown key in a reference is refused without repeating the key or its value",
        arguments: [
            "{\(secretValue)}", "{value: \(secretValue)}", "{\(secretValue): x}", "{env: AK, key: \(secretValue)}",
        ])
    func unknownKey(written: String) {
        let yaml = s3YAML(accessKey: written)
        let result = SpecLoader().load(text: yaml, file: "spec.yaml")
        #expect(result.specs.isEmpty)
        let error = result.diagnostics.errors.first { $0.message.contains("unknown key in a secret reference") }
        #expect(error?.path == "storage.accessKey", "\(result.diagnostics)")
        #expect(error?.location.line == 7)
        expectNoSecret(in: result.diagnostics)
    }

    @Test(
        "an invalid environment variable name is refused at the value without being repeated",
        arguments: [
            secretValue, "1PASSWORD", "\"\"", "\"A B\"", "\"\(secretValue)\"",
        ])
    func invalidEnvironmentName(written: String) {
        let yaml = SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: \(written)}\n")
        ExpectedDiagnostic(
            yaml: yaml, line: 6, column: 19, path: "metadata.password.env",
            message: "is not an environment variable name"
        ).check()
        expectNoSecret(in: SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics)
    }

    @Test(
        "YAML 1.2 types a bare value: an integer, a boolean or null is not a variable name",
        arguments: [
            ("42", "an integer"), ("0x1F", "an integer"), ("true", "a boolean"), ("~", "null"), ("1.5", "a number"),
        ])
    func environmentNameTyping(written: String, found: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {env: \(written)}\n"),
            line: 6, column: 19, path: "metadata.password.env", message: "found \(found)"
        ).check()
    }

    @Test(
        "a secret file is an absolute, normalised path; the error does not repeat it",
        arguments: [
            ("\(secretValue)", "metadata.password.file", "is not an absolute path"),
            ("/etc/../\(secretValue)", "metadata.password.file", "'.' or '..' components"),
            ("/etc/./\(secretValue)", "metadata.password.file", "'.' or '..' components"),
            ("\"/etc/\\0\(secretValue)\"", "metadata.password.file", "NUL"),
        ])
    func invalidFile(written: String, path: String, message: String) {
        let yaml = SpecFixture.yaml("metadata:\n  url: redis://127.0.0.1:6379/1\n  password: {file: \(written)}\n")
        ExpectedDiagnostic(yaml: yaml, line: 6, column: 20, path: path, message: message).check()
        expectNoSecret(in: SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics)
    }

    @Test("a reference encodes as it is written in YAML, and decodes back")
    func codable() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for source: VolumeSpec.SecretSource in [.env("REDIS_PASSWORD"), .file("/etc/juicectl/pw")] {
            let data = try encoder.encode(source)
            #expect(try JSONDecoder().decode(VolumeSpec.SecretSource.self, from: data) == source)
        }
        #expect(String(decoding: try encoder.encode(VolumeSpec.SecretSource.env("A")), as: UTF8.self) == #"{"env":"A"}"#)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(VolumeSpec.SecretSource.self, from: Data(#"{"env":"A","file":"/b"}"#.utf8))
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VolumeSpec.SecretSource.self, from: Data("{}".utf8)) }
    }

    @Test("a reference describes where the secret is, never a value")
    func description() {
        #expect(VolumeSpec.SecretSource.env("REDIS_PASSWORD").description == "env REDIS_PASSWORD")
        #expect(VolumeSpec.SecretSource.file("/etc/pw").description == "file /etc/pw")
    }
}
