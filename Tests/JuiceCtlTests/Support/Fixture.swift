import Foundation
import Testing

/// Real juicefs and host outputs captured into `Fixtures/` (see `Fixtures/README.md`).
enum Fixture {
    /// The bytes of `Fixtures/<name>`, e.g. `juicefs/quota-list.txt`.
    static func data(_ name: String) throws -> Data {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures resource is missing")
        return try Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// The text of `Fixtures/<name>`.
    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }

    /// The bytes of `Fixtures/<name>` as an array.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try data(name))
    }
}
