import Foundation
import Testing

/// Paths of the repository the tests run in, found from this source file rather than the working directory.
enum Repository {
    /// The directory that holds `Package.swift`: the first one above this file.
    static let root: URL = {
        let manager = FileManager.default
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !manager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
            let parent = directory.deletingLastPathComponent()
            precondition(parent.path != directory.path, "no Package.swift in any directory above \(#filePath)")
            directory = parent
        }
        return directory
    }()

    /// The committed schema, `schemas/juicectl-spec-v1.schema.json`.
    static let committedSchema = root.appendingPathComponent("schemas/juicectl-spec-v1.schema.json")

    /// `examples/`.
    static let examples = root.appendingPathComponent("examples")
}

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct ScratchDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("juicectl-schema-tests-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` as UTF-8 to `name` inside the directory and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
