internal import Foundation
internal import Yams

/// Reads spec files and directories into ``VolumeSpec`` values, collecting every diagnostic.
///
/// A file may hold several documents separated by `---`; a directory contributes its `*.yaml` and `*.yml` files
/// (not recursively, hidden files skipped, in name order).
public struct SpecLoader: Sendable {
    /// The outcome of loading: the valid volumes and every finding. Nothing is acted on when ``diagnostics`` has errors.
    public struct Result: Sendable {
        /// Volumes whose documents are valid.
        public var specs: [VolumeSpec]
        /// Errors and warnings, in file and line order.
        public var diagnostics: [Diagnostic]
        /// The files that were read.
        public var files: [String]
    }

    /// Largest spec file accepted: specs are small, and a limit keeps a stray huge file from exhausting memory.
    public static let maxFileSize = 1 << 20

    /// Where the loader reads files and directories.
    let files: any SpecFileAccess

    /// Creates a loader that reads through `files` (by default the local filesystem).
    public init(files: any SpecFileAccess = LocalSpecFiles()) {
        self.files = files
    }

    /// Loads every document of every file named by `paths` (files or directories).
    public func load(paths: [String]) -> Result {
        var diagnostics: [Diagnostic] = []
        var files: [String] = []
        for path in paths {
            switch expand(path) {
            case .success(let found):
                if found.isEmpty {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: .init(file: path, line: 1, column: 1), path: "",
                            "no *.yaml or *.yml files in this directory"))
                }
                // A file named twice (a directory and a file in it) is read once, not reported as clashing with itself.
                files += found.filter { !files.contains($0) }
            case .failure(let failure):
                diagnostics.append(failure.diagnostic)
            }
        }
        var specs: [VolumeSpec] = []
        for file in files {
            let (fileSpecs, fileDiagnostics) = loadFile(file)
            specs += fileSpecs
            diagnostics += fileDiagnostics
        }
        diagnostics += Self.crossCheck(specs)
        if diagnostics.hasErrors {
            let bad = Set(diagnostics.errors.map(\.location.file))
            specs.removeAll { bad.contains($0.origin.file) }
        }
        return Result(specs: specs, diagnostics: diagnostics, files: files)
    }

    /// Loads the documents of one YAML text, as if read from `file`.
    public func load(text: String, file: String) -> (specs: [VolumeSpec], diagnostics: [Diagnostic]) {
        // YAML allows a byte order mark at the start; libyaml, told the encoding, would read it as content.
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let (specs, found) = loadDocuments(text: text, file: file)
        var diagnostics = found
        // At the end of a text without a final line break, libyaml counts one line more than there is: an error there
        // (or an empty value or document there) is placed at the end of the last line instead.
        let endsWithBreak = text.unicodeScalars.last.map { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) } ?? true
        guard !endsWithBreak, !diagnostics.isEmpty else { return (specs, diagnostics) }
        let end = Self.position(before: text.endIndex, in: text)
        for index in diagnostics.indices where diagnostics[index].location.line > end.line {
            diagnostics[index].location.line = end.line
            diagnostics[index].location.column = end.column
        }
        return (specs, diagnostics)
    }

    private func loadDocuments(text: String, file: String) -> (specs: [VolumeSpec], diagnostics: [Diagnostic]) {
        var specs: [VolumeSpec] = []
        var diagnostics: [Diagnostic] = []
        let parser: Parser
        do {
            parser = try Parser(yaml: text, encoding: .utf8)
        } catch {
            return ([], [Self.diagnostic(for: error, file: file, text: text)])
        }
        // Yams is not safe against alias bombs and deep nesting: a document that breaks a limit is never handed to it,
        // and, as after a syntax error, the documents after it are not read.
        let overrun = YAMLExpansionCheck(file: file).firstOverrun(in: text)
        var index = 0
        while true {
            if let overrun, overrun.document == index {
                diagnostics.append(Self.diagnostic(for: overrun.failure))
                break
            }
            let root: Node?
            do {
                root = try parser.nextRoot()
            } catch {
                diagnostics.append(Self.diagnostic(for: error, file: file, text: text))
                break
            }
            guard let root else { break }
            defer { index += 1 }
            var converter = SpecNodeConverter(file: file)
            let node: SpecNode
            do {
                node = try converter.convert(root)
            } catch {
                diagnostics.append(Self.diagnostic(for: error))
                continue
            }
            if case .null = node.value {
                diagnostics.append(
                    Diagnostic(
                        .error, at: node.location, path: "", "document \(index + 1) is empty",
                        hint: "remove the empty document or the extra '---'"))
                continue
            }
            var builder = SpecBuilder(file: file, document: index)
            if let spec = builder.build(node) { specs.append(spec) }
            // The validator and the builder each report in document order; merge them into line order.
            diagnostics += builder.diagnostics.enumerated().sorted {
                ($0.element.location.line, $0.element.location.column, $0.offset) < (
                    $1.element.location.line, $1.element.location.column, $1.offset
                )
            }.map(\.element)
        }
        if index == 0 && diagnostics.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error, at: .init(file: file, line: 1, column: 1), path: "", "the file holds no document",
                    hint: "a spec starts with 'version: 1'"))
        }
        return (specs, diagnostics)
    }

    private func loadFile(_ file: String) -> ([VolumeSpec], [Diagnostic]) {
        let start = SourceLocation(file: file, line: 1, column: 1)
        // One byte past the limit at most: a stray disk image or device named by mistake is not read whole.
        guard let contents = files.readSpecFile(file, upTo: Self.maxFileSize + 1) else {
            return ([], [Diagnostic(.error, at: start, path: "", "cannot read the file", hint: "check that it exists and is readable")])
        }
        let data = contents.data
        guard data.count <= Self.maxFileSize else {
            let size = contents.size ?? 0
            let message =
                size > Self.maxFileSize
                ? "the file is \(size) bytes, above the \(Self.maxFileSize)-byte limit for specs"
                : "the file is larger than the \(Self.maxFileSize)-byte limit for specs"
            return ([], [Diagnostic(.error, at: start, path: "", message)])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = Self.firstInvalidUTF8Offset(data)
            let location = Self.location(ofByte: offset, in: data, file: file)
            return ([], [Diagnostic(.error, at: location, path: "", "the file is not valid UTF-8 (byte \(offset))")])
        }
        let result = load(text: text, file: file)
        return (result.specs, result.diagnostics)
    }

    private func expand(_ path: String) -> Swift.Result<[String], DiagnosticError> {
        switch files.specPathKind(path) {
        case .missing:
            return .failure(
                DiagnosticError(
                    diagnostic: Diagnostic(.error, at: .init(file: path, line: 1, column: 1), path: "", "no such file or directory")))
        case .file:
            return .success([path])
        case .directory:
            break
        }
        let names = files.specDirectoryNames(path) ?? []
        let specs = names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted()
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return .success(specs.map { "\(base)/\($0)" })
    }

    /// Checks across documents: names, base directories, mount points, replicas and metadata databases must not
    /// collide.
    static func crossCheck(_ specs: [VolumeSpec]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for (i, spec) in specs.enumerated() {
            for other in specs[..<i] {
                let first = "\(other.origin.file):\(other.origin.location.line)"
                if spec.name == other.name {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "name",
                            "volume '\(spec.name)' is also declared at \(first)"))
                }
                if HostPath.isWithin(spec.baseDir, other.baseDir) || HostPath.isWithin(other.baseDir, spec.baseDir) {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "baseDir",
                            "baseDir \(spec.baseDir) overlaps the baseDir of volume '\(other.name)' (\(first))"))
                }
                if let a = spec.backup?.replicaPath, let b = other.backup?.replicaPath, HostPath.isWithin(a, b) || HostPath.isWithin(b, a) {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "backup.replica.path",
                            "replica \(a) overlaps the replica of volume '\(other.name)' (\(first)); one replica location per database"))
                }
                if case .s3(let a)? = spec.backup?.replica, case .s3(let b)? = other.backup?.replica, a.overlaps(b) {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "backup.replica",
                            """
                            S3 replica \(Redaction.redactBucketURL(a.bucket))/\(a.prefix) overlaps the replica of volume \
                            '\(other.name)' (\(first)); one replica location per database
                            """,
                            hint: "give each volume a prefix of its own, neither inside the other; the default prefix is the volume's name")
                    )
                }
                if spec.mount.path == other.mount.path {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "mount.path",
                            "mount point \(spec.mount.path) is also used by volume '\(other.name)' (\(first))"))
                }
                if spec.metadata.identity == other.metadata.identity {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: spec.origin.location, path: "metadata.url",
                            "metadata database \(spec.metadata.redactedURL) is also used by volume '\(other.name)' (\(first))",
                            hint: "each volume needs a database of its own"))
                }
            }
        }
        return diagnostics
    }

    // MARK: YAML errors

    static func diagnostic(for error: any Error, file: String, text: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return Diagnostic(.error, at: .init(file: file, line: 1, column: 1), path: "", "cannot parse YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return Diagnostic(.error, at: .init(file: file, line: mark.line, column: mark.column), path: "", message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = context.mark
            let second = secondOccurrence(of: key, after: first, in: text) ?? (first.line, first.column)
            return Diagnostic(
                .error, at: .init(file: file, line: second.line, column: second.column), path: key,
                "duplicate key '\(key)' (first at line \(first.line), column \(first.column))",
                hint: "each key may appear once in a mapping")
        case .reader(let problem, let offset, let value, _):
            // The offset counts Characters; libyaml does not say where the character is, so it is found here.
            let index = offset.flatMap { text.index(text.startIndex, offsetBy: $0, limitedBy: text.endIndex) }
            let (line, column) = index.map { position(before: $0, in: text) } ?? (1, 1)
            let character = value >= 0 ? " (U+\(String(UInt32(value), radix: 16, uppercase: true).leftPadded(to: 4)))" : ""
            return Diagnostic(
                .error, at: .init(file: file, line: line, column: column), path: "",
                "unreadable input: \(problem)\(character)",
                hint: value == 0 ? "a spec is text: remove the NUL bytes" : nil)
        default:
            return Diagnostic(.error, at: .init(file: file, line: 1, column: 1), path: "", "cannot parse YAML: \(yamlError)")
        }
    }

    static func diagnostic(for failure: SpecNodeConverter.Failure) -> Diagnostic {
        switch failure {
        case .tooManyNodes(let location):
            return Diagnostic(
                .error, at: location, path: "", "the document expands to more than \(SpecNodeLimits().maxNodes) values",
                hint: "aliases that expand exponentially are not accepted")
        case .tooDeep(let location):
            return Diagnostic(
                .error, at: location, path: "", "the document nests deeper than \(SpecNodeLimits().maxDepth) levels",
                hint: "a spec needs a few levels; check the brackets and the indentation, and aliases that nest their anchor")
        case .tooMuchText(let location):
            return Diagnostic(
                .error, at: location, path: "", "the document expands to more than \(SpecNodeLimits().maxTextBytes) bytes of text",
                hint: "aliases that repeat long values are not accepted")
        case .nonScalarKey(let location):
            return Diagnostic(.error, at: location, path: "", "mapping keys must be plain text")
        }
    }

    /// The 1-based line and column of `end` in `text`, counting line breaks as libyaml does (LF, CR, CRLF, NEL, LS,
    /// PS) and columns in Unicode scalars.
    static func position(before end: String.Index, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var afterCR = false
        for scalar in text.unicodeScalars[..<end] {
            switch scalar {
            case "\n":
                if !afterCR { line += 1 }
                column = 1
            case "\r", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
                column = 1
            default:
                column += 1
            }
            afterCR = scalar == "\r"
        }
        return (line, column)
    }

    /// The position of the second `key:` at the column of the first one, searching from the first one's line.
    static func secondOccurrence(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        // By Character, "\r\n" is one newline, so split on every kind of line break, not on "\n" alone.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let indent = first.column - 1
        guard first.line >= 1, first.line <= lines.count else { return nil }
        for number in first.line..<lines.count {
            let line = Array(lines[number].unicodeScalars)
            guard line.count > indent else { continue }
            let rest = String(String.UnicodeScalarView(line[indent...]))
            let leading = line[..<indent].allSatisfy { $0 == " " || $0 == "-" }
            for form in [key, "\"\(key)\"", "'\(key)'"] where leading && (rest.hasPrefix(form + ":")) {
                return (number + 1, first.column)
            }
        }
        return nil
    }

    /// Byte offset of the first byte that does not decode as UTF-8.
    static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return offset
            }
        }
    }

    static func location(ofByte offset: Int, in data: Data, file: String) -> SourceLocation {
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

/// A diagnostic carried as an error, where a `Result` needs one.
struct DiagnosticError: Error {
    var diagnostic: Diagnostic
}
