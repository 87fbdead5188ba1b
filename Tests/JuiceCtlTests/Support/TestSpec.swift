import JuiceCtlCore
import Testing

/// Specs for tests, built from YAML through ``SpecLoader`` so that they carry the real defaults.
enum TestSpec {
    /// The volume `name` under `baseDir`, with the given YAML lines appended (e.g. a `quotas:` block).
    static func make(name: String = "fixvol", baseDir: String, _ extra: String = "") throws -> VolumeSpec {
        let text = "version: 1\nname: \(name)\nbaseDir: \"\(baseDir)\"\n" + extra
        let (specs, diagnostics) = SpecLoader().load(text: text, file: "test.yaml")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(specs.first)
    }
}
