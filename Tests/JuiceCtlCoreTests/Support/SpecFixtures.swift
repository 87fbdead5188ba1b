import Foundation
import Testing

@testable import JuiceCtlCore

/// Specs for tests, loaded through the real loader so that every default is the one users get.
enum SpecFixture {
    /// The smallest valid spec: volume `demo` under `/srv/demo`.
    static let minimalYAML = """
        version: 1
        name: demo
        baseDir: /srv/demo

        """

    /// `minimalYAML` with `extra` appended (extra top-level keys).
    static func yaml(_ extra: String) -> String { minimalYAML + extra }

    /// Loads one document and requires it to be valid.
    static func spec(
        _ yaml: String = minimalYAML, file: String = "spec.yaml",
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> VolumeSpec {
        let result = SpecLoader().load(text: yaml, file: file)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)", sourceLocation: sourceLocation)
        return try #require(result.specs.first, sourceLocation: sourceLocation)
    }

    /// Loads text and returns only the errors.
    static func errors(_ yaml: String, file: String = "spec.yaml") -> [Diagnostic] {
        SpecLoader().load(text: yaml, file: file).diagnostics.errors
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("juicectl-core-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    /// Writes `data` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let file = "\(path)/\(name)"
        let parent = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
