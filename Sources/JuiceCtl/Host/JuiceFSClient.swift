internal import Foundation
package import JuiceCtlCore

/// A failed `juicefs` (or `umount`) operation, with juicefs's own error line and what to do next.
public struct JuiceFSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operation: `format`, `mount`, `quota set /active/fs`, ...
    public var operation: String
    /// What juicefs said (its last FATAL/ERROR line), or how the process ended.
    public var message: String
    /// What to do next.
    public var hint: String?
    /// What juicefs said, as a type.
    public var failure: JuiceFSFailure

    /// Creates an error.
    public init(operation: String, message: String, hint: String? = nil, failure: JuiceFSFailure = .other) {
        self.operation = operation
        self.message = message
        self.hint = hint
        self.failure = failure
    }

    public var description: String {
        "\(operation) failed: \(message)" + (hint.map { " (\($0))" } ?? "")
    }
}

/// Typed wrappers over the `juicefs` commands juicectl runs. Every call goes through the injected
/// ``CommandRunning`` and has a timeout.
package struct JuiceFSClient: Sendable {
    let runner: any CommandRunning
    let executable: String
    let secrets: SecretResolver

    /// Creates a client running `executable` through `runner`; `secrets` reads the passwords and keys a spec names
    /// and hands them to juicefs in its environment (`META_PASSWORD`, `ACCESS_KEY`, `SECRET_KEY`), never on its
    /// command line.
    package init(runner: any CommandRunning, executable: String, secrets: SecretResolver = SecretResolver()) {
        self.runner = runner
        self.executable = executable
        self.secrets = secrets
    }

    /// What `juicefs status` found.
    package enum StatusOutcome: Sendable {
        /// A volume, with its sessions.
        case formatted(JuiceFSOutput.Status)
        /// The engine holds no volume.
        case notFormatted
    }

    /// `juicefs status META`.
    ///
    /// - Important: for SQLite, the caller must check that the database file exists first: juicefs creates an
    ///   empty one otherwise.
    package func status(_ metadata: VolumeSpec.Metadata) async throws -> StatusOutcome {
        let result = try await run(["status", metadata.url], on: metadata, timeout: .seconds(30))
        if result.succeeded { return .formatted(try JuiceFSOutput.Status.parse(result.stdout)) }
        if JuiceFSFailure(stderr: result.stderr) == .notFormatted { return .notFormatted }
        throw failure("status", result)
    }

    /// `juicefs format --no-update ...` for a new volume.
    package func format(_ spec: VolumeSpec) async throws {
        let result = try await run(
            [
                "format", "--no-update",
                "--storage", spec.storage.juicefsType, "--bucket", spec.storage.bucket,
                "--block-size", String(spec.format.blockSize.bytes / ByteSize.kib),
                "--compress", spec.format.compression,
                "--trash-days", String(spec.format.trashDays),
                spec.metadata.url, spec.name,
            ], environment: try secrets.juicefsEnvironment(storage: spec.storage, metadata: spec.metadata),
            inherits: Self.inherits(storage: spec.storage, metadata: spec.metadata), timeout: .seconds(120))
        guard result.succeeded else { throw failure("format", result) }
    }

    /// `juicefs mount --background ...` as ``MountCommand`` spells it. Returns when juicefs says the mount is ready.
    package func mount(_ spec: VolumeSpec) async throws {
        // The mount reads the objects: with S3 storage it needs the network settings, and the ambient credentials
        // when the spec names no keys (format stored them in the metadata otherwise).
        let result = try await run(
            MountCommand.arguments(for: spec), environment: try secrets.juicefsEnvironment(metadata: spec.metadata),
            inherits: Self.inherits(storage: spec.storage, metadata: spec.metadata), timeout: .seconds(180))
        guard result.succeeded else {
            throw failure("mount \(spec.mount.path)", result, hint: "see \(spec.mountLogFile)")
        }
    }

    /// `juicefs umount [--force] PATH`; the result is returned, not judged (busy and not-mounted both exit 1).
    package func umount(_ path: String, force: Bool) async throws -> CommandResult {
        try await run(["umount"] + (force ? ["--force"] : []) + [path], timeout: .seconds(120))
    }

    /// `juicefs clone --preserve SRC DST`: a metadata-only copy that keeps owners, modes and times. The destination
    /// appears only when the clone is complete.
    package func clone(_ source: String, _ destination: String) async throws {
        let result = try await run(["clone", "--preserve", source, destination], timeout: .seconds(6 * 3600))
        guard result.succeeded else { throw failure("clone \(source) \(destination)", result) }
    }

    /// The size of the tree at `path` from the mount's directory statistics (`juicefs summary --depth 0 --csv`: one
    /// cheap call, ~75 ms for 50,000 files); `nil` when juicefs cannot say.
    package func summary(_ path: String) async -> TreeSize? {
        guard let result = try? await run(["summary", "--depth", "0", "--csv", path], timeout: .seconds(30)), result.succeeded else {
            return nil
        }
        // PATH,SIZE,DIRS,FILES then one row for the root.
        guard let row = result.stdout.split(separator: "\n").dropFirst().first else { return nil }
        let fields = row.split(separator: ",")
        guard fields.count >= 4, let bytes = UInt64(fields[fields.count - 3]), let directories = UInt64(fields[fields.count - 2]),
            let files = UInt64(fields[fields.count - 1])
        else { return nil }
        return TreeSize(files: files, directories: directories, bytes: bytes)
    }

    /// `juicefs rmr PATH`: removes a tree (into the volume's trash, like any deletion).
    package func rmr(_ path: String) async throws {
        let result = try await run(["rmr", path], timeout: .seconds(6 * 3600))
        guard result.succeeded else { throw failure("rmr \(path)", result) }
    }

    /// `juicefs quota get META --path PATH`: the quota, or a reading of none.
    package func quotaGet(_ metadata: VolumeSpec.Metadata, path: String) async throws -> QuotaReading {
        let result = try await run(["quota", "get", metadata.url, "--path", path], on: metadata, timeout: .seconds(30))
        guard result.succeeded else { throw failure("quota get \(path)", result) }
        return JuiceFSOutput.quotaTable(result.stdout, source: "juicefs quota get")[path] ?? .none(source: "juicefs quota get")
    }

    /// `juicefs quota list META`: every directory quota.
    package func quotaList(_ metadata: VolumeSpec.Metadata) async throws -> [String: QuotaReading] {
        let result = try await run(["quota", "list", metadata.url], on: metadata, timeout: .seconds(30))
        guard result.succeeded else { throw failure("quota list", result) }
        return JuiceFSOutput.quotaTable(result.stdout, source: "juicefs quota list")
    }

    /// `juicefs quota set META --path PATH --capacity GiB --inodes N`. A missing limit is sent as 0 (none), so
    /// the result is exactly the declared quota whatever was there before.
    package func quotaSet(_ metadata: VolumeSpec.Metadata, _ quota: VolumeSpec.Quota) async throws {
        let result = try await run(
            [
                "quota", "set", metadata.url, "--path", quota.path,
                "--capacity", quota.capacity?.exactGiBString ?? "0",
                "--inodes", quota.inodes.map(String.init) ?? "0",
            ], on: metadata, timeout: .seconds(60))
        guard result.succeeded else { throw failure("quota set \(quota.path)", result) }
    }

    /// `juicefs quota delete META --path PATH`.
    package func quotaDelete(_ metadata: VolumeSpec.Metadata, path: String) async throws {
        let result = try await run(["quota", "delete", metadata.url, "--path", path], on: metadata, timeout: .seconds(30))
        guard result.succeeded else { throw failure("quota delete \(path)", result) }
    }

    /// Runs juicefs against `metadata`, with the engine's password (if any) in its environment.
    private func run(_ arguments: [String], on metadata: VolumeSpec.Metadata, timeout: Duration) async throws -> CommandResult {
        try await run(
            arguments, environment: try secrets.juicefsEnvironment(metadata: metadata),
            inherits: Self.inherits(storage: nil, metadata: metadata), timeout: timeout)
    }

    /// What of juicectl's environment juicefs needs beyond its volume's secrets: the network settings for an S3
    /// store or a metadata server, and the ambient credentials for an S3 store the spec names no keys for.
    static func inherits(storage: VolumeSpec.Storage?, metadata: VolumeSpec.Metadata) -> Set<InheritedVariables> {
        var groups: Set<InheritedVariables> = metadata.sqlitePath == nil ? [.network] : []
        if case .s3(_, let accessKey, let secretKey)? = storage {
            groups.insert(.network)
            if accessKey == nil && secretKey == nil { groups.insert(.ambientCredentials) }
        }
        return groups
    }

    private func run(
        _ arguments: [String], environment: [String: String] = [:], inherits: Set<InheritedVariables> = [],
        timeout: Duration
    ) async throws -> CommandResult {
        let result = try await runner.run(Command(executable, arguments, environment: environment, inherits: inherits, timeout: timeout))
        // juicefs may echo a key or a password in an error (an S3 "access key ... does not exist", a URL): what
        // juicectl passes on never contains one.
        guard !environment.isEmpty else { return result }
        var scrubbed = result
        scrubbed.stdout = Redaction.scrub(result.stdout, secrets: Array(environment.values))
        scrubbed.stderr = Redaction.scrub(result.stderr, secrets: Array(environment.values))
        return scrubbed
    }

    private func failure(_ operation: String, _ result: CommandResult, hint: String? = nil) -> JuiceFSError {
        let message =
            result.termination == .exited(1) || result.termination == .exited(0)
            ? JuiceFSOutput.errorMessage(result.stderr)
            : "\(result.terminationDescription): \(JuiceFSOutput.errorMessage(result.stderr))"
        return JuiceFSError(operation: "juicefs \(operation)", message: message, hint: hint, failure: JuiceFSFailure(stderr: result.stderr))
    }
}

/// How big a tree is: files, directories and bytes.
public struct TreeSize: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Regular files, links and other non-directories.
    public var files: UInt64
    /// Directories (the root included).
    public var directories: UInt64
    /// Logical bytes.
    public var bytes: UInt64

    /// Creates a size.
    public init(files: UInt64, directories: UInt64, bytes: UInt64) {
        self.files = files
        self.directories = directories
        self.bytes = bytes
    }

    /// `50,140 files and 51 directories (196 MiB)`.
    public var description: String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        let count = { (value: UInt64) in formatter.string(from: NSNumber(value: value)) ?? "\(value)" }
        return "\(count(files)) files and \(count(directories)) directories (\(ByteSize(bytes: bytes)))"
    }
}
