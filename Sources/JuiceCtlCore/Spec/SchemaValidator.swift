/// Checks a ``SpecNode`` tree against a ``SchemaObject``: unknown keys (with "did you mean"), missing keys, wrong
/// types, values outside their rules. Every problem is collected; nothing stops at the first.
struct SchemaValidator {
    private(set) var diagnostics: [Diagnostic] = []
    /// The values that passed their rules, parsed: what the builder reads.
    var values = ValidatedValues()

    mutating func validate(_ node: SpecNode, against object: SchemaObject, path: String) {
        if object.isSecretReference {
            validateSecretReference(node, against: object, path: path)
            return
        }
        guard let entries = node.entries else {
            error(at: node.location, path: path, "expected a mapping, found \(node.typeDescription)")
            return
        }
        let known = object.fields.map(\.name)
        for entry in entries {
            let childPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
            guard let field = object.field(entry.key) else {
                if let instead = object.rejected[entry.key] {
                    error(at: entry.keyLocation, path: childPath, "'\(entry.key)' cannot be set here", hint: instead)
                } else if let close = DidYouMean.suggestion(for: entry.key, among: known) {
                    error(at: entry.keyLocation, path: childPath, "unknown key '\(entry.key)'", hint: "did you mean '\(close)'?")
                } else {
                    error(
                        at: entry.keyLocation, path: childPath, "unknown key '\(entry.key)'",
                        hint: "expected one of: \(known.joined(separator: ", "))")
                }
                continue
            }
            validate(entry.value, as: field.type, path: childPath, key: entry.key)
        }
        for field in object.fields where field.required && !entries.contains(where: { $0.key == field.name }) {
            let container = path.isEmpty ? "the document" : "'\(path)'"
            error(
                at: node.location, path: path, "missing required key '\(field.name)' in \(container)",
                hint: field.description)
        }
        if let group = object.requiresAnyOf, !entries.contains(where: { group.keys.contains($0.key) }) {
            error(at: node.location, path: path, group.message)
        }
        if let group = object.requiresOneOf, entries.count(where: { group.keys.contains($0.key) }) != 1 {
            error(at: node.location, path: path, group.message)
        }
    }

    mutating func validate(_ node: SpecNode, as type: SchemaType, path: String, key: String) {
        switch type {
        case .object(let object):
            validate(node, against: object, path: path)
        case .array(let element, let minItems, let maxItems):
            guard case .sequence(let items) = node.value else {
                error(at: node.location, path: path, "expected a list, found \(node.typeDescription)")
                return
            }
            if let minItems, items.count < minItems {
                error(at: node.location, path: path, "expected at least \(minItems) item(s)")
            }
            if let maxItems, items.count > maxItems {
                error(at: node.location, path: path, "has \(items.count) items, more than the \(maxItems) allowed")
            }
            for (index, item) in items.enumerated() {
                validate(item, as: element, path: "\(path)[\(index)]", key: key)
            }
        case .boolean:
            guard case .bool = node.value else {
                error(
                    at: node.location, path: path, "expected true or false, found \(node.typeDescription)",
                    hint: node.string.map {
                        ["yes", "no", "on", "off", "y", "n"].contains($0.lowercased())
                            ? "write true or false; '\($0)' is a string in YAML 1.2" : nil
                    } ?? nil)
                return
            }
        case .integer(let minimum, let maximum):
            guard case .integer(let text, let value) = node.value else {
                error(at: node.location, path: path, "expected an integer, found \(node.typeDescription)")
                return
            }
            guard let value else {
                error(at: node.location, path: path, "\(text) is too large")
                return
            }
            if let minimum, value < minimum {
                error(at: node.location, path: path, "\(value) is below the minimum \(minimum)")
            }
            if let maximum, value > maximum {
                error(at: node.location, path: path, "\(value) is above the maximum \(maximum)")
            }
        case .scalar:
            switch node.value {
            case .string, .integer, .float, .bool: break
            default: error(at: node.location, path: path, "expected a string, number or boolean, found \(node.typeDescription)")
            }
        case .string(let rule):
            guard let text = node.string else {
                let hint: String? =
                    if case .integer = node.value, rule.semantic == .size { "sizes need a unit, e.g. \"\(nodeText(node))MiB\"" } else {
                        nil
                    }
                error(at: node.location, path: path, "expected \(rule.expected ?? "a string"), found \(node.typeDescription)", hint: hint)
                return
            }
            validate(text, rule: rule, at: node.location, path: path)
        case .reserved(let issue):
            guard case .mapping = node.value else {
                error(at: node.location, path: path, "expected a mapping, found \(node.typeDescription)")
                return
            }
            diagnostics.append(
                Diagnostic(
                    .warning, at: node.location, path: path,
                    "'\(key)' is reserved for a later version of juicectl (\(issue)) and is not acted on yet"))
        }
    }

    mutating func validate(_ text: String, rule: StringRule, at location: SourceLocation, path: String) {
        if let allowed = rule.allowed, !allowed.contains(text) {
            let close = DidYouMean.suggestion(for: text, among: allowed)
            error(
                at: location, path: path, "'\(text)' is not one of: \(allowed.joined(separator: ", "))",
                hint: close.map { "did you mean '\($0)'?" })
            return
        }
        // Lengths in Unicode code points, as JSON Schema counts them (not in Characters: "é" may be two).
        if let minLength = rule.minLength, text.unicodeScalars.count < minLength {
            error(at: location, path: path, "must not be empty")
            return
        }
        if let maxLength = rule.maxLength, text.unicodeScalars.count > maxLength {
            error(at: location, path: path, "is longer than \(maxLength) characters")
            return
        }
        switch rule.semantic {
        case .size:
            do {
                let size = try ByteSize.parse(text)
                if let problem = rule.bounds?.problem(with: size) {
                    error(at: location, path: path, problem.message, hint: problem.hint)
                } else {
                    values.record(.size(size), at: path)
                }
            } catch {
                self.error(at: location, path: path, error.message, hint: error.hint)
            }
            return
        case .duration:
            guard let span = TimeSpan.parse(text) else {
                error(at: location, path: path, "'\(text)' is not \(rule.expected ?? "a duration")")
                return
            }
            if let problem = rule.bounds?.problem(with: span, text: text) {
                error(at: location, path: path, problem.message, hint: problem.hint)
            } else {
                values.record(.duration(span), at: path)
            }
            return
        case .absolutePath:
            if !text.hasPrefix("/") {
                error(at: location, path: path, "'\(text)' is not an absolute path", hint: "paths start with /")
            } else {
                values.record(.text(text), at: path)
            }
            return
        case .bucketURL:
            let section = BucketURL.Section(rawValue: path.split(separator: ".").dropLast().joined(separator: ".")) ?? .storage
            switch BucketURL.normalize(text, section: section) {
            case .success(let bucket): values.record(.bucket(bucket), at: path)
            case .failure(let problem): error(at: location, path: path, problem.message, hint: problem.hint)
            }
            return
        case .metadataURL:
            switch MetadataURL.check(text) {
            case .success(let engine): values.record(.metadataEngine(engine), at: path)
            case .failure(let problem): error(at: location, path: path, problem.message, hint: problem.hint)
            }
            return
        case .keyPrefix:
            if let problem = S3ReplicaRules.prefixProblem(text) {
                error(at: location, path: path, problem.message, hint: problem.hint)
            } else {
                values.record(.text(text), at: path)
            }
            return
        case nil:
            break
        }
        if let pattern = rule.pattern, !Self.matches(text, pattern) {
            error(at: location, path: path, "'\(text)' is not \(rule.expected ?? "valid (pattern \(pattern))")")
        } else {
            values.record(.text(text), at: path)
        }
    }

    /// Whole-string match of a JSON Schema pattern (they are anchored with ^ and $ where it matters).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }

    private func nodeText(_ node: SpecNode) -> String {
        if case .integer(let text, _) = node.value { return text }
        return ""
    }

    mutating func error(at location: SourceLocation, path: String, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, at: location, path: path, message, hint: hint))
    }
}
