import Dispatch
import Foundation
import Testing

/// check-jsonschema (Python, YAML 1.2 via ruamel), installed by `make setup` into `.tools/venv`: the independent
/// JSON Schema validator the published schema is checked with.
enum CheckJSONSchema {
    /// Names another check-jsonschema binary.
    static let environmentVariable = "JUICECTL_CHECK_JSONSCHEMA"

    /// Whether this is CI (`CI=true`, as `.ci/run` sets it), where a missing validator is a failure, not a skip.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Where the binary is expected: `$JUICECTL_CHECK_JSONSCHEMA`, else `<root>/.tools/venv/bin/check-jsonschema`.
    static let path: String = {
        if let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty { return path }
        return Repository.root.appendingPathComponent(".tools/venv/bin/check-jsonschema").path
    }()

    /// Whether the binary is there and executable.
    static let isInstalled = FileManager.default.isExecutableFile(atPath: path)

    /// The condition of the `.enabled(if:)` trait: always true in CI, so that a missing binary fails the tests
    /// there (see ``requireInstalled()``) instead of skipping them.
    static let testsEnabled = isCI || isInstalled

    /// Why the tests are skipped when ``testsEnabled`` is false.
    static let skipReason = Comment(
        rawValue: """
            check-jsonschema is not installed at \(path): run `make setup` (or set \(environmentVariable)) to run \
            these tests; skipped because CI is not "true"
            """)

    /// The binary's path; records a failure naming `make setup` when it is missing (reachable only in CI).
    static func requireInstalled() throws -> String {
        try #require(
            isInstalled,
            Comment(
                rawValue: """
                    check-jsonschema is not installed at \(path) and CI=true, so this is a failure rather than a skip: \
                    run `make setup` (scripts/setup.sh installs check-jsonschema into .tools/venv), or set \
                    \(environmentVariable) to its path
                    """))
        return path
    }

    /// Validates `instances` (one YAML or JSON document per file) against `schema` in a single run.
    static func validate(_ instances: [String], schema: String) throws -> Report {
        let output = try run(
            [
                "--output-format", "json", "--verbose", "--regex-variant", "default",
                "--schemafile", schema,
            ] + instances)
        return try Report(output, files: instances)
    }

    /// Checks `schemas` against their metaschemas (`--check-metaschema`).
    static func checkMetaschema(_ schemas: [String]) throws -> Report {
        let output = try run(["--output-format", "json", "--verbose", "--check-metaschema"] + schemas)
        return try Report(output, files: schemas)
    }

    /// How check-jsonschema judged one file.
    enum Verdict: String, Sendable, CustomStringConvertible {
        /// Valid under the schema.
        case accepts
        /// Parsed, but invalid under the schema.
        case rejects
        /// Not parsed at all (YAML error, duplicate key, several documents in one file).
        case cannotParse

        var description: String { rawValue }
    }

    /// The result of one run, per file.
    ///
    /// With `--output-format json --verbose`, check-jsonschema prints one object:
    /// `{"status": "ok", "errors": [], "checked_paths": [...]}` when every file is valid, otherwise
    /// `{"status": "fail", "successes": [...], "errors": [{"filename", "path", "message", ...}],
    /// "parse_errors": [{"filename", "message"}]}`. Files are named as they were passed on the command line.
    struct Report: Sendable {
        /// Verdict per file, for every file passed.
        var verdicts: [String: Verdict]
        /// Validation errors per file: JSON path (`$.mount.writeback`) and message.
        var errors: [String: [(path: String, message: String)]]
        /// Parse errors per file.
        var parseErrors: [String: [String]]
        /// The raw output, for messages.
        var raw: String

        init(_ output: ProcessOutput, files: [String]) throws {
            raw = output.description
            let decoded: Decoded
            do {
                decoded = try JSONDecoder().decode(Decoded.self, from: output.stdout)
            } catch {
                throw RunFailure("check-jsonschema printed no JSON report (\(error)):\n\(raw)")
            }
            let success = decoded.status == "ok"
            guard output.status == (success ? 0 : 1) else {
                throw RunFailure("check-jsonschema exited \(output.status) with status \(decoded.status):\n\(raw)")
            }
            errors = Dictionary(grouping: decoded.errors ?? [], by: \.filename)
                .mapValues { $0.map { (path: $0.path, message: $0.message) } }
            parseErrors = Dictionary(grouping: decoded.parseErrors ?? [], by: \.filename).mapValues { $0.map(\.message) }
            let passed = Set((decoded.checkedPaths ?? []) + (decoded.successes ?? []))
            var verdicts: [String: Verdict] = [:]
            for file in files {
                if parseErrors[file] != nil {
                    verdicts[file] = .cannotParse
                } else if errors[file] != nil {
                    verdicts[file] = .rejects
                } else if passed.contains(file) {
                    verdicts[file] = .accepts
                }
            }
            let unknown = Set(errors.keys).union(parseErrors.keys).union(passed).subtracting(files)
            guard verdicts.count == files.count, unknown.isEmpty else {
                throw RunFailure(
                    """
                    check-jsonschema's report does not account for exactly the files passed \
                    (missing: \(files.filter { verdicts[$0] == nil }), unexpected: \(unknown.sorted())):
                    \(raw)
                    """)
            }
            self.verdicts = verdicts
        }

        private struct Decoded: Decodable {
            var status: String
            var successes: [String]?
            var checkedPaths: [String]?
            var errors: [FileError]?
            var parseErrors: [FileParseError]?

            enum CodingKeys: String, CodingKey {
                case status, successes, errors
                case checkedPaths = "checked_paths"
                case parseErrors = "parse_errors"
            }
        }

        private struct FileError: Decodable {
            var filename: String
            var path: String
            var message: String
        }

        private struct FileParseError: Decodable {
            var filename: String
            var message: String
        }
    }

    /// What a finished process left.
    struct ProcessOutput: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: Data
        var stderr: Data

        var description: String {
            "exit \(status)\n--- stdout\n\(String(decoding: stdout, as: UTF8.self))\n--- stderr\n\(String(decoding: stderr, as: UTF8.self))"
        }
    }

    /// A run that did not produce a usable report.
    struct RunFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs the binary with `arguments` and collects its output. Both pipes are drained at the same time (a child
    /// that fills one pipe's buffer while the parent waits on the other would block forever), and every pipe end
    /// is closed afterwards.
    static func run(_ arguments: [String]) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try requireInstalled())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // The child has its own copies of the write ends; closing ours lets the reads below see end-of-file.
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()

        let errorReader = stderr.fileHandleForReading
        let errorData = LockedData()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorData.set(errorReader.readDataToEndOfFile())
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        try? stdout.fileHandleForReading.close()
        try? errorReader.close()
        return ProcessOutput(status: process.terminationStatus, stdout: outputData, stderr: errorData.get())
    }

    /// Data handed from the reader thread to the caller.
    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()

        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }
}
