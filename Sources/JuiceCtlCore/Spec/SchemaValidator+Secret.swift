extension SchemaValidator {
    /// Checks a secret reference (`{env: NAME}` or `{file: PATH}`) against `object`. Whatever is wrong, no message
    /// quotes a value or an unknown key of the reference: a secret written where its source belongs must not end up
    /// in a log.
    mutating func validateSecretReference(_ node: SpecNode, against object: SchemaObject, path: String) {
        let form = "{env: NAME} or {file: /absolute/path}"
        guard let entries = node.entries else {
            if node.string != nil {
                error(
                    at: node.location, path: path,
                    "an inline secret is not accepted (its value is not repeated here): the spec names where a secret is, never the secret",
                    hint: "write \(form)")
            } else {
                error(at: node.location, path: path, "expected \(form), found \(node.typeDescription)")
            }
            return
        }
        for entry in entries {
            guard let field = object.field(entry.key), case .string(let rule) = field.type else {
                error(
                    at: entry.keyLocation, path: path, "unknown key in a secret reference (not repeated here)",
                    hint: "a secret reference is \(form)")
                continue
            }
            let childPath = "\(path).\(entry.key)"
            guard let text = entry.value.string else {
                error(
                    at: entry.value.location, path: childPath,
                    "expected \(rule.expected ?? "a string"), found \(entry.value.typeDescription)")
                continue
            }
            if Self.satisfies(text, rule) {
                values.record(.text(text), at: childPath)
            } else {
                error(at: entry.value.location, path: childPath, "the value is not \(rule.expected ?? "valid") (it is not repeated here)")
            }
        }
        if let group = object.requiresOneOf, entries.count(where: { group.keys.contains($0.key) }) != 1 {
            error(at: node.location, path: path, group.message, hint: "write \(form)")
        }
    }

    /// Whether `text` meets `rule`'s lengths and pattern (for the reference's fields, whose semantic checks are the
    /// builder's).
    static func satisfies(_ text: String, _ rule: StringRule) -> Bool {
        let length = text.unicodeScalars.count
        if let minLength = rule.minLength, length < minLength { return false }
        if let maxLength = rule.maxLength, length > maxLength { return false }
        if let pattern = rule.pattern, !matches(text, pattern) { return false }
        return rule.allowed?.contains(text) ?? true
    }
}
