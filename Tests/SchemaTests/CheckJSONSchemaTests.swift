import Foundation
import JuiceCtlCore
import Testing

/// The schema judged by an independent validator, check-jsonschema. Skipped with a reason when it is not
/// installed, except in CI (`CI=true`), where the trait is always enabled and a missing binary fails the tests.
@Suite("check-jsonschema", .enabled(if: CheckJSONSchema.testsEnabled, CheckJSONSchema.skipReason))
struct CheckJSONSchemaTests {
    @Test("check-jsonschema accepts the committed schema under its metaschema (draft 2020-12)")
    func schemaIsValidUnderItsMetaschema() throws {
        let schema = Repository.committedSchema.path
        let report = try CheckJSONSchema.checkMetaschema([schema])
        #expect(report.verdicts[schema] == .accepts, "the schema is not a valid JSON Schema:\n\(report.raw)")
    }

    @Test("every example validates against the committed schema and loads with the tool without errors")
    func examplesAreValid() throws {
        let examples = try Self.exampleFiles()
        try #require(!examples.isEmpty, "no *.yaml or *.yml files under \(Repository.examples.path)")
        let scratch = try ScratchDirectory("examples")
        defer { scratch.remove() }

        // check-jsonschema reads one document per file: a file of several documents is checked one document at a
        // time, from copies; a file of one document is checked as it is.
        var instances: [(name: String, path: String)] = []
        for example in examples {
            let name = example.hasPrefix(Repository.root.path + "/") ? String(example.dropFirst(Repository.root.path.count + 1)) : example
            let loaded = SpecLoader().load(paths: [example])
            #expect(
                !loaded.diagnostics.hasErrors,
                "\(name) does not load:\n\(loaded.diagnostics.map { "  \($0)" }.joined(separator: "\n"))")
            let documents = YAMLDocuments.split(try String(contentsOfFile: example, encoding: .utf8))
            #expect(
                loaded.specs.count == documents.count,
                "\(name): the tool reads \(loaded.specs.count) volume(s), the text splits into \(documents.count) document(s)")
            if documents.count == 1 {
                instances.append((name, example))
            } else {
                for (index, document) in documents.enumerated() {
                    let copy = try scratch.write(document, to: "\(instances.count)-document\(index + 1).yaml")
                    instances.append(("\(name), document \(index + 1)", copy))
                }
            }
        }
        let report = try CheckJSONSchema.validate(instances.map(\.path), schema: Repository.committedSchema.path)
        for instance in instances {
            #expect(
                report.verdicts[instance.path] == .accepts,
                """
                \(instance.name) is not valid under the committed schema:
                \(Self.schemaFindings(report, [instance.path]))
                """)
        }
        print("Checked \(examples.count) example file(s), \(instances.count) document(s), with check-jsonschema and the tool")
    }

    @Test("check-jsonschema and the tool agree on every row of the table, but where only the tool can judge")
    func schemaAndToolAgree() throws {
        let rows = AgreementTable.rows
        let scratch = try ScratchDirectory("agreement")
        defer { scratch.remove() }
        // The schema `juicectl schema` prints (the committed copy is the same, see PublishedSchemaTests).
        let schema = try scratch.write(JSONSchemaGenerator.generate(), to: "juicectl-spec-v1.schema.json")
        let filesByRow = try rows.enumerated().map { index, row in
            try row.documents.enumerated().map { try scratch.write($1, to: "row\(index)-document\($0 + 1).yaml") }
        }

        let report = try CheckJSONSchema.validate(filesByRow.flatMap(\.self), schema: schema) // one run for all rows

        var checked = 0
        for (row, files) in zip(rows, filesByRow) {
            let verdicts = files.compactMap { report.verdicts[$0] }
            let schemaVerdict: CheckJSONSchema.Verdict =
                verdicts.contains(.cannotParse) ? .cannotParse : verdicts.contains(.rejects) ? .rejects : .accepts
            let tool = ToolOutcome(files: files)
            let details = """
                \(row.documents.map(Self.abbreviated).joined(separator: "---\n"))
                check-jsonschema: \(schemaVerdict)
                \(Self.schemaFindings(report, files))
                tool: \(tool.verdict)
                \(tool.listing)
                """

            #expect(schemaVerdict == row.schema, "\(row.label): check-jsonschema \(schemaVerdict), expected \(row.schema)\n\(details)")
            #expect(tool.verdict == row.tool, "\(row.label): the tool \(tool.verdict), expected \(row.tool)\n\(details)")
            if let reason = row.toolStricter {
                #expect(
                    schemaVerdict == .accepts && tool.verdict == .rejects,
                    "\(row.label): only the tool can judge this (\(reason)), so the schema must accept and the tool reject\n\(details)")
            } else {
                #expect(
                    (schemaVerdict == .accepts) == (tool.verdict == .accepts),
                    "\(row.label): check-jsonschema and the tool disagree\n\(details)")
            }
            if let at = row.at {
                if tool.verdict == .rejects {
                    let reported = tool.hasError(at: at)
                    #expect(reported, "\(row.label): the tool reports no error at '\(at)'\n\(details)")
                }
                if schemaVerdict == .rejects {
                    let paths = files.flatMap { report.errors[$0] ?? [] }.compactMap { JSONPath.keyPath($0.path) }
                    let reported = paths.contains { JSONPath.isSelfOrAncestor($0, of: at) }
                    #expect(
                        reported,
                        "\(row.label): check-jsonschema reports no error at '\(at)' or above it\n\(details)")
                }
            }
            if tool.verdict == .accepts {
                #expect(tool.result.specs.count == files.count, "\(row.label): expected one volume per document\n\(details)")
            }
            checked += 1
        }
        let stricter = rows.filter { $0.toolStricter != nil }.count
        print(
            """
            Schema agreement: checked \(checked) rows (\(filesByRow.joined().count) documents, one check-jsonschema run): \
            \(checked - stricter) judged alike, \(stricter) toolStricter
            """)
    }

    // MARK: Helpers

    /// The YAML files under `examples/`, recursively, in name order.
    static func exampleFiles() throws -> [String] {
        let root = Repository.examples
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { ($0 as? URL)?.standardizedFileURL.path }
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
    }

    /// `text`, cut after 600 characters (one row has a path of thousands).
    static func abbreviated(_ text: String) -> String {
        text.count <= 600 ? text : "\(text.prefix(600))… (\(text.count) characters)\n"
    }

    /// check-jsonschema's findings on `files`, one a line, each cut after 600 characters.
    static func schemaFindings(_ report: CheckJSONSchema.Report, _ files: [String]) -> String {
        let lines = files.flatMap { file in
            (report.errors[file] ?? []).map { "  \($0.path): \(abbreviated($0.message))" }
                + (report.parseErrors[file] ?? []).map { "  parse error: \($0)" }
        }
        return lines.isEmpty ? "  (no findings)" : lines.joined(separator: "\n")
    }
}
