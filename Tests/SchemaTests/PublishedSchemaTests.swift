import Foundation
import JuiceCtlCore
import Testing

/// The committed schema and the spec format it is generated from; none of these needs check-jsonschema.
@Suite("Published schema")
struct PublishedSchemaTests {
    @Test("the committed schema is byte-identical to what `juicectl schema` prints")
    func committedSchemaIsCurrent() throws {
        let committed = try Data(contentsOf: Repository.committedSchema)
        let generated = Data(JSONSchemaGenerator.generate().utf8)
        guard committed != generated else { return }
        let committedLines = String(decoding: committed, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let generatedLines = String(decoding: generated, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let line =
            zip(committedLines, generatedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(committedLines.count, generatedLines.count)
        Issue.record(
            """
            schemas/juicectl-spec-v1.schema.json is out of date: run `make schema` to regenerate it from the spec \
            format. First difference at line \(line + 1):
              committed: \(line < committedLines.count ? String(committedLines[line]) : "(end of file)")
              generated: \(line < generatedLines.count ? String(generatedLines[line]) : "(end of file)")
            """)
    }

    @Test("the schema's property names are exactly the keys the tool accepts, at every level")
    func schemaPropertiesAreTheAcceptedKeys() throws {
        let json = try JSONSerialization.jsonObject(with: Data(JSONSchemaGenerator.generate().utf8))
        let schema = try #require(json as? [String: Any], "the generated schema is not a JSON object")
        var openObjects: [String] = []
        let schemaKeys = Self.propertyPaths(in: schema, at: "", openObjects: &openObjects)
        let toolKeys = Self.keyPaths(in: SpecFormat.document, at: "")

        #expect(
            schemaKeys.subtracting(toolKeys).isEmpty,
            "in the schema but not accepted by the tool: \(schemaKeys.subtracting(toolKeys).sorted())")
        #expect(
            toolKeys.subtracting(schemaKeys).isEmpty,
            "accepted by the tool but missing from the schema: \(toolKeys.subtracting(schemaKeys).sorted())")
        #expect(schemaKeys.count > 60, "suspiciously few keys: \(schemaKeys.count)")
        // The tool rejects unknown keys everywhere but in the reserved sections: so must the schema.
        let reserved = Self.reservedPaths(in: SpecFormat.document, at: "")
        #expect(Set(openObjects) == reserved, "objects open to any key: \(openObjects.sorted()); reserved sections: \(reserved.sorted())")

        // mount.options lists every juicefs mount flag a spec may set, and none of those juicectl manages.
        let options = Set(schemaKeys.filter { $0.hasPrefix("mount.options.") }.map { String($0.dropFirst("mount.options.".count)) })
        #expect(options == Set(MountFlag.all.filter { $0.managedBy == nil }.map(\.name)))
        #expect(options.isDisjoint(with: MountFlag.all.filter { $0.managedBy != nil }.map(\.name)))
    }

    @Test("the agreement table is well-formed: every disagreement is marked and explained")
    func agreementTableIsWellFormed() {
        let rows = AgreementTable.rows
        #expect(rows.count >= 40, "the table needs at least 40 rows, has \(rows.count)")
        let labels = rows.map(\.label)
        #expect(
            Set(labels).count == labels.count,
            "labels repeat: \(Dictionary(grouping: labels) { $0 }.filter { $0.value.count > 1 }.keys.sorted())")
        #expect(rows.contains { $0.schema == .accepts && $0.tool == .accepts })
        #expect(rows.contains { $0.schema == .rejects && $0.tool == .rejects })
        for row in rows {
            let schemaAccepts = row.schema == .accepts
            let toolAccepts = row.tool == .accepts
            if let reason = row.toolStricter {
                #expect(
                    schemaAccepts && !toolAccepts && !reason.isEmpty,
                    "\(row.label): a toolStricter row has the schema accept and the tool reject, with a reason")
            } else {
                #expect(schemaAccepts == toolAccepts, "\(row.label): the verdicts differ, but the row is not marked toolStricter")
            }
            #expect(
                (row.at != nil) == (!schemaAccepts || !toolAccepts),
                "\(row.label): a row names where it is rejected exactly when it is rejected")
            #expect(!row.documents.isEmpty)
        }
    }

    @Test("the tool gives every row of the agreement table its stated verdict")
    func toolVerdictsMatchTheTable() throws {
        let scratch = try ScratchDirectory("tool")
        defer { scratch.remove() }
        for (index, row) in AgreementTable.rows.enumerated() {
            let files = try row.documents.enumerated().map { try scratch.write($1, to: "row\(index)-doc\($0).yaml") }
            let outcome = ToolOutcome(files: files)
            #expect(outcome.verdict == row.tool, "\(row.label): the tool \(outcome.verdict), expected \(row.tool)\n\(outcome.listing)")
            if row.tool == .rejects, let at = row.at {
                let reported = outcome.hasError(at: at)
                #expect(reported, "\(row.label): no error at '\(at)'\n\(outcome.listing)")
            }
            if row.tool == .accepts {
                #expect(outcome.result.specs.count == files.count, "\(row.label): expected one volume per document")
            }
        }
    }

    // MARK: Walks

    /// Every property of `schema` and its subschemas, as `mount.options.heartbeat` and `quotas[].path`; collects
    /// the objects that admit any key (`additionalProperties` not false).
    static func propertyPaths(in schema: [String: Any], at prefix: String, openObjects: inout [String]) -> Set<String> {
        var paths: Set<String> = []
        if schema["type"] as? String == "object", schema["additionalProperties"] as? Bool != false {
            openObjects.append(prefix)
        }
        for (name, value) in schema["properties"] as? [String: Any] ?? [:] {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            paths.insert(path)
            if let subschema = value as? [String: Any] {
                paths.formUnion(propertyPaths(in: subschema, at: path, openObjects: &openObjects))
            }
        }
        if let items = schema["items"] as? [String: Any] {
            paths.formUnion(propertyPaths(in: items, at: "\(prefix)[]", openObjects: &openObjects))
        }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            for subschema in schema[keyword] as? [[String: Any]] ?? [] {
                paths.formUnion(propertyPaths(in: subschema, at: prefix, openObjects: &openObjects))
            }
        }
        return paths
    }

    /// Every key the spec format accepts, in the same notation.
    static func keyPaths(in object: SchemaObject, at prefix: String) -> Set<String> {
        var paths: Set<String> = []
        for field in object.fields {
            let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
            paths.insert(path)
            paths.formUnion(keyPaths(in: field.type, at: path))
        }
        return paths
    }

    static func keyPaths(in type: SchemaType, at path: String) -> Set<String> {
        switch type {
        case .object(let nested): keyPaths(in: nested, at: path)
        case .array(let element, _, _): keyPaths(in: element, at: "\(path)[]")
        case .string, .integer, .boolean, .scalar, .reserved: []
        }
    }

    /// The reserved sections: mappings the tool accepts with any keys.
    static func reservedPaths(in object: SchemaObject, at prefix: String) -> Set<String> {
        var paths: Set<String> = []
        for field in object.fields {
            var path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
            var type = field.type
            while case .array(let element, _, _) = type {
                type = element
                path += "[]"
            }
            switch type {
            case .reserved: paths.insert(path)
            case .object(let nested): paths.formUnion(reservedPaths(in: nested, at: path))
            default: break
            }
        }
        return paths
    }
}
