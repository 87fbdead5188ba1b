import JuiceCtlCore

/// Loads a row's files with the tool, the way `juicectl validate` does.
struct ToolOutcome {
    var result: SpecLoader.Result

    init(files: [String]) {
        result = SpecLoader().load(paths: files)
    }

    var verdict: AgreementRow.ToolVerdict { result.diagnostics.hasErrors ? .rejects : .accepts }

    /// Whether an error was reported at exactly `path`.
    func hasError(at path: String) -> Bool {
        result.diagnostics.errors.contains { $0.path == path }
    }

    /// The diagnostics, one a line, for messages.
    var listing: String {
        result.diagnostics.isEmpty ? "  (no diagnostics)" : result.diagnostics.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// JSON paths as jsonschema writes them (`$`, `$.mount.writeback`, `$.quotas[0].path`,
/// `$.mount.options['cache-dir']`) turned into the tool's diagnostic paths (`""`, `mount.writeback`,
/// `quotas[0].path`, `mount.options.cache-dir`).
enum JSONPath {
    static func keyPath(_ jsonPath: String) -> String? {
        var rest = Substring(jsonPath)
        guard rest.popFirst() == "$" else { return nil }
        var result = ""
        while let first = rest.first {
            switch first {
            case ".":
                rest.removeFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                rest.removeFirst(name.count)
                result += result.isEmpty ? String(name) : ".\(name)"
            case "[" where rest.hasPrefix("['"):
                rest.removeFirst(2)
                var name = ""
                while let character = rest.popFirst() {
                    if character == "\\", let escaped = rest.popFirst() {
                        name.append(escaped)
                    } else if character == "'" {
                        break
                    } else {
                        name.append(character)
                    }
                }
                guard rest.popFirst() == "]" else { return nil }
                result += result.isEmpty ? name : ".\(name)"
            case "[":
                guard let end = rest.firstIndex(of: "]") else { return nil }
                result += rest[...end]
                rest = rest[rest.index(after: end)...]
            default:
                return nil
            }
        }
        return result
    }

    /// Whether `ancestor` is `path` or a mapping or list that holds it.
    static func isSelfOrAncestor(_ ancestor: String, of path: String) -> Bool {
        ancestor.isEmpty || path == ancestor || path.hasPrefix(ancestor + ".") || path.hasPrefix(ancestor + "[")
    }
}
