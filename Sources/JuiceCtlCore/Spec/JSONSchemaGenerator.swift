internal import Foundation

/// Renders ``SpecFormat`` as a JSON Schema (draft 2020-12): what `juicectl schema` prints and `schemas/` holds.
///
/// The schema covers everything a generic validator can check (keys, types, enumerations, patterns); rules that
/// span several keys (the cache directory must not lie inside the mount point, ...) only the tool checks.
public enum JSONSchemaGenerator {
    /// The `$id` of the published schema.
    public static let schemaID = "https://juicectl.dev/schemas/juicectl-spec-v1.schema.json"

    /// The schema as pretty-printed JSON with sorted keys.
    public static func generate() -> String {
        var root = object(SpecFormat.document)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = schemaID
        root["title"] = "juicectl volume spec, format version 1"
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func object(_ object: SchemaObject) -> [String: Any] {
        var properties: [String: Any] = [:]
        for field in object.fields {
            var property = schema(for: field.type)
            property["description"] = field.description
            properties[field.name] = property
        }
        var result: [String: Any] = [
            "type": "object",
            "description": object.description,
            "properties": properties,
            "additionalProperties": false,
        ]
        let required = object.fields.filter(\.required).map(\.name)
        if !required.isEmpty { result["required"] = required }
        if let group = object.requiresAnyOf { result["anyOf"] = group.keys.map { ["required": [$0]] } }
        if let group = object.requiresOneOf { result["oneOf"] = group.keys.map { ["required": [$0]] } }
        return result
    }

    static func schema(for type: SchemaType) -> [String: Any] {
        switch type {
        case .string(let rule):
            var result: [String: Any] = ["type": "string"]
            if let allowed = rule.allowed { result["enum"] = allowed }
            if let pattern = rule.pattern { result["pattern"] = pattern }
            if let minLength = rule.minLength { result["minLength"] = minLength }
            if let maxLength = rule.maxLength { result["maxLength"] = maxLength }
            return result
        case .integer(let minimum, let maximum):
            var result: [String: Any] = ["type": "integer"]
            if let minimum { result["minimum"] = minimum }
            if let maximum { result["maximum"] = maximum }
            return result
        case .boolean:
            return ["type": "boolean"]
        case .object(let nested):
            return object(nested)
        case .array(let element, let minItems, let maxItems):
            var result: [String: Any] = ["type": "array", "items": schema(for: element)]
            if let minItems { result["minItems"] = minItems }
            if let maxItems { result["maxItems"] = maxItems }
            return result
        case .scalar:
            return ["type": ["string", "integer", "number", "boolean"]]
        case .reserved:
            return ["type": "object"]
        }
    }
}
