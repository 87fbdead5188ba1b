import Foundation

/// A fresh directory under /tmp with a unique name, removed when `body` returns or throws.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = "/tmp/juicectl-tests-\(UUID().uuidString.lowercased())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
