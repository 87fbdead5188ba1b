import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("JSONSchemaGenerator")
struct JSONSchemaGeneratorTests {
    static func schema() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(JSONSchemaGenerator.generate().utf8)) as? [String: Any])
    }

    static func properties(_ object: [String: Any]?, _ key: String) -> [String: Any]? {
        (object?["properties"] as? [String: Any])?[key] as? [String: Any]
    }

    @Test("the schema is draft 2020-12 JSON with the required top-level keys and no others allowed")
    func topLevel() throws {
        let schema = try Self.schema()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["$id"] as? String == JSONSchemaGenerator.schemaID)
        #expect(schema["required"] as? [String] == ["version", "name", "baseDir"])
        #expect(schema["additionalProperties"] as? Bool == false)
        #expect(Self.properties(schema, "name")?["pattern"] as? String == SpecFormat.volumeNamePattern)
    }

    @Test("mount.options lists the flags a spec may set and leaves out those juicectl manages")
    func mountOptions() throws {
        let options = Self.properties(Self.properties(try Self.schema(), "mount"), "options")
        let names = Set((options?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
        #expect(names.isSuperset(of: ["heartbeat", "enable-xattr", "o", "free-space-ratio"]))
        #expect(names.isDisjoint(with: ["cache-size", "cache-dir", "writeback", "background", "log", "read-only"]))
        let freeSpaceRatio = Self.properties(options, "free-space-ratio")
        #expect(freeSpaceRatio?["type"] as? [String] == ["string", "integer", "number", "boolean"])
    }

    @Test("sizes and durations carry the same patterns the tool uses")
    func patterns() throws {
        let mount = Self.properties(try Self.schema(), "mount")
        #expect(Self.properties(mount, "cacheSize")?["pattern"] as? String == ByteSize.pattern)
        #expect(Self.properties(mount, "uploadDelay")?["pattern"] as? String == TimeSpan.pattern)
    }
}
