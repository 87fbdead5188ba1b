/// Splits a YAML stream into its documents, as text.
///
/// A spec file may hold several documents separated by `---` (one volume each), but check-jsonschema reads exactly
/// one document per file ("expected a single document in the stream"): each document is validated from a file of
/// its own. The split is textual, which is enough for specs: a line that is `---` (optionally followed by a space
/// and a comment or content) starts a document, a line that is `...` ends one, and a part with nothing but blank
/// lines and comments before the first marker is the stream's header, not a document. The callers check the number
/// of documents against what the tool's loader reads from the same file.
enum YAMLDocuments {
    static func split(_ text: String) -> [String] {
        var documents: [[Substring]] = []
        var current: [Substring] = []
        var explicit = false
        func finish() {
            if explicit || current.contains(where: { !isBlankOrComment($0) }) { documents.append(current) }
            current = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "---" || line.hasPrefix("--- ") || line.hasPrefix("---\t") {
                finish()
                explicit = true
                let rest = line.dropFirst(3).drop { $0 == " " || $0 == "\t" }
                if !rest.isEmpty && !rest.hasPrefix("#") { current.append(rest) }
            } else if line == "..." || line.hasPrefix("... ") {
                finish()
                explicit = false
            } else {
                current.append(line)
            }
        }
        finish()
        return documents.map { $0.joined(separator: "\n") + "\n" }
    }

    private static func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }
}
