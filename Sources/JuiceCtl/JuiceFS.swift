internal import Foundation
public import JuiceCtlCore
public import Logging

/// The original package's API for Swift programs: a volume built from a small configuration, with `start()`,
/// `stop()`, `checkpoint(_:)`, `restore(_:)`, `checkpoints()` and `deleteCheckpoint(_:)`. A thin layer over ``Reconciler``: the
/// configuration becomes a spec document that goes through the same
/// validation and defaults as a spec file, and `start()` is `juicectl apply`, `stop()` is `juicectl down`.
///
/// ```swift
/// let volume = try JuiceFS(config: .init(baseDir: "/var/lib/juicefs", volumeName: "my-volume"))
/// try await volume.start()   // formatted, mounted, active/fs and checkpoints/ created, 10 TiB on /active/fs
/// try await volume.stop()
/// ```
public final class JuiceFS: Sendable {
    /// The original's configuration fields (checkpoints and overlay follow in later versions).
    public struct Config: Sendable {
        /// Directory for everything of the volume; required, absolute.
        public var baseDir: String
        /// true: objects on this host, Litestream replica in `<baseDir>/replica`. false (S3 mode): objects in
        /// ``s3Bucket`` at ``s3EndpointURL``, and Litestream replicates the metadata to the same bucket, under
        /// ``s3MetadataPrefix``.
        public var localMode: Bool
        /// Volume name; the original's default is `juicefs`.
        public var volumeName: String
        /// A writable overlay for a container root (upper layer in an ext4 image on the volume).
        public var overlayEnabled: Bool
        /// The image's size (sparse); the original's default is 100 GiB.
        public var overlayImageSize: ByteSize
        /// Lower directories, top first; the original's default is `/mnt/system-base`.
        public var overlayLowerPaths: [String]
        /// Where the overlay is mounted; the original's default is `/mnt/newroot`.
        public var overlayTargetPath: String
        /// Quotas; `nil` keeps the original's 10 TiB on `/active/fs`.
        public var quotas: [VolumeSpec.Quota]?
        /// The `juicefs` binary; `nil` finds it on PATH or through `JUICECTL_JUICEFS`.
        public var juicefsPath: String?
        /// S3 mode: the endpoint, `http(s)://HOST[:PORT]`, e.g. `https://s3.eu-west-1.amazonaws.com`.
        public var s3EndpointURL: String?
        /// S3 mode: the bucket's name.
        public var s3Bucket: String?
        /// S3 mode: where the access key is read from; the original's variable by default.
        public var s3AccessKey: VolumeSpec.SecretSource = .env("SPRITE_S3_ACCESS_KEY")
        /// S3 mode: where the secret key is read from; the original's variable by default.
        public var s3SecretAccessKey: VolumeSpec.SecretSource = .env("SPRITE_S3_SECRET_ACCESS_KEY")
        /// S3 mode: the key prefix of the Litestream replica in the bucket; `nil`: `juicefs-metadata/<volumeName>`
        /// (the original used `juicefs-metadata`, one volume per bucket).
        public var s3MetadataPrefix: String?
        /// How checkpoints quiesce the sandbox (`checkpoints.quiesce` of a spec): the cgroups frozen while `/active`
        /// is cloned, the hooks around the freeze, and the limits. `nil`: checkpoints are not quiesced (each file is
        /// consistent, the tree is not one instant while it is written).
        public var quiesce: VolumeSpec.Quiesce?

        /// Creates a configuration.
        public init(
            baseDir: String, localMode: Bool = true, volumeName: String = "juicefs", overlayEnabled: Bool = false,
            overlayImageSize: ByteSize = .gibibytes(100), overlayLowerPaths: [String] = ["/mnt/system-base"],
            overlayTargetPath: String = "/mnt/newroot", quotas: [VolumeSpec.Quota]? = nil, juicefsPath: String? = nil
        ) {
            self.baseDir = baseDir
            self.localMode = localMode
            self.volumeName = volumeName
            self.overlayEnabled = overlayEnabled
            self.overlayImageSize = overlayImageSize
            self.overlayLowerPaths = overlayLowerPaths
            self.overlayTargetPath = overlayTargetPath
            self.quotas = quotas
            self.juicefsPath = juicefsPath
        }
    }

    /// Why a volume could not be built, started or stopped.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The configuration makes an invalid spec.
        case invalidConfig([Diagnostic])
        /// The configuration asks for something this version does not do yet.
        case unsupported(String)
        /// S3 mode without the endpoint or the bucket.
        case incompleteS3Config(missing: [String])
        /// The run ended without converging, or an action failed; the report says what failed or remains.
        case notConverged(Reconciler.Report)

        public var description: String {
            switch self {
            case .invalidConfig(let diagnostics): "invalid configuration: " + diagnostics.errors.map(\.description).joined(separator: "; ")
            case .unsupported(let what): what
            case .incompleteS3Config(let missing):
                """
                S3 configuration is incomplete: set \(missing.joined(separator: " and ")) (or localMode: true); the keys are read \
                from s3AccessKey and s3SecretAccessKey
                """
            case .notConverged(let report):
                "volume \(report.spec.name) did not converge: "
                    + (report.results.compactMap { if case .failed(let why) = $0.outcome { why } else { nil } }
                    + report.remaining.conflicts.map(\.message)).joined(separator: "; ")
            }
        }
    }

    /// The spec the configuration became.
    public let spec: VolumeSpec
    private let reconciler: Reconciler

    /// Builds a volume from `config`.
    ///
    /// - Throws: ``Failure`` for an invalid or unsupported configuration, ``ToolNotFoundError`` when `juicefs` is
    ///   not installed.
    public init(config: Config, logger: Logger = Logger(label: "juicectl")) throws {
        if !config.localMode {
            let missing = [("s3EndpointURL", config.s3EndpointURL), ("s3Bucket", config.s3Bucket)].filter { $0.1?.isEmpty ?? true }.map(\.0)
            guard missing.isEmpty else { throw Failure.incompleteS3Config(missing: missing) }
        }
        let (specs, diagnostics) = SpecLoader().load(text: Self.document(for: config), file: "JuiceFS.Config")
        guard let spec = specs.first, !diagnostics.hasErrors else { throw Failure.invalidConfig(diagnostics) }
        self.spec = spec
        let tools = try ToolLocator.locateAll(juicefs: config.juicefsPath)
        reconciler = Reconciler(runner: SubprocessRunner(), tools: tools, logger: logger)
    }

    /// Brings the volume up: format when new, mount, create `active/fs` and `checkpoints/`, set the quotas.
    /// Returns when the volume is converged (idempotent: calling it again does nothing).
    @discardableResult
    public func start() async throws -> Reconciler.Report {
        let report = try await reconciler.apply(spec)
        guard report.converged else { throw Failure.notConverged(report) }
        return report
    }

    /// Unmounts the volume (graceful first, then forced) and checks that no mount is left.
    @discardableResult
    public func stop() async throws -> Reconciler.Report {
        let report = try await reconciler.down(spec)
        guard !report.failed, report.remaining.actions.isEmpty else { throw Failure.notConverged(report) }
        return report
    }

    /// Checkpoints `/active` as `name` (a manual checkpoint). Names: 1 to 128 of A-Z a-z 0-9 . _ -, starting with a
    /// letter or digit; an existing name is an error, never an overwrite.
    ///
    /// With `durable`, it returns only once the checkpoint survives the loss of this host: its metadata is in the
    /// Litestream replica and no block it references is only staged here (writeback).
    @discardableResult
    public func checkpoint(_ name: String, note: String? = nil, pinned: Bool = false, durable: Bool = false) async throws
        -> Reconciler.Report
    {
        var request = Action.CheckpointRequest(name: name, kind: .manual, note: note, pinned: pinned)
        request.durable = durable
        return try succeeded(try await reconciler.createCheckpoint(spec, request))
    }

    /// Restores `/active` to checkpoint `name`; the replaced tree is kept as a `pre-restore-<UTC>` checkpoint. While
    /// a process or a mount (in any mount namespace) uses `/active`, it fails naming them and changes nothing, unless
    /// `terminateUsers`: then those processes get SIGTERM, and SIGKILL after `grace`.
    @discardableResult
    public func restore(_ name: String, terminateUsers: Bool = false, grace: Duration = .seconds(10)) async throws -> Reconciler.Report {
        let span = TimeSpan(nanoseconds: grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000)
        return try succeeded(try await reconciler.restore(spec, name: name, terminateUsers: terminateUsers, grace: span))
    }

    /// The checkpoints, oldest first.
    public func checkpoints() async throws -> [CheckpointEntry] {
        try await reconciler.checkpoints(spec).checkpoints
    }

    /// Deletes checkpoint `name`; a pinned one only with `force`.
    @discardableResult
    public func deleteCheckpoint(_ name: String, force: Bool = false) async throws -> Reconciler.Report {
        try succeeded(try await reconciler.deleteCheckpoint(spec, name: name, force: force))
    }

    private func succeeded(_ report: Reconciler.Report) throws -> Reconciler.Report {
        guard !report.failed else { throw Failure.notConverged(report) }
        return report
    }

    /// The volume's status.
    public func status() async -> VolumeStatus {
        await reconciler.status(spec)
    }

    /// The spec document for `config`: YAML text, so that it takes exactly the path a spec file takes.
    static func document(for config: Config) -> String {
        var lines = ["version: 1", "name: \(quoted(config.volumeName))", "baseDir: \(quoted(config.baseDir))"]
        if !config.localMode, let endpoint = config.s3EndpointURL, let bucket = config.s3Bucket {
            let url = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/" + bucket
            let keys = ["accessKey: \(reference(config.s3AccessKey))", "secretKey: \(reference(config.s3SecretAccessKey))"]
            lines.append("storage:")
            lines.append(contentsOf: ["  type: s3", "  bucket: \(quoted(url))"] + keys.map { "  " + $0 })
            lines.append("backup:")
            lines.append("  replica:")
            lines.append(
                contentsOf: [
                    "    type: s3", "    bucket: \(quoted(url))",
                    "    prefix: \(quoted(config.s3MetadataPrefix ?? "juicefs-metadata/\(config.volumeName)"))",
                ] + keys.map { "    " + $0 })
        }
        if config.overlayEnabled {
            lines.append("overlay:")
            lines.append("  imageSize: \(quoted(config.overlayImageSize.description))")
            lines.append("  target: \(quoted(config.overlayTargetPath))")
            lines.append("  lowerDirs:")
            for lower in config.overlayLowerPaths { lines.append("    - \(quoted(lower))") }
        }
        if let quiesce = config.quiesce {
            lines.append("checkpoints:")
            lines.append("  quiesce:")
            lines.append("    cgroups: [\(quiesce.cgroups.map(quoted).joined(separator: ", "))]")
            lines.append("    pre: [\(quiesce.pre.map { "[\($0.map(quoted).joined(separator: ", "))]" }.joined(separator: ", "))]")
            lines.append("    post: [\(quiesce.post.map { "[\($0.map(quoted).joined(separator: ", "))]" }.joined(separator: ", "))]")
            lines.append("    hookTimeout: \(quoted(quiesce.hookTimeout.description))")
            lines.append("    maxFrozen: \(quoted(quiesce.maxFrozen.description))")
        }
        if let quotas = config.quotas {
            lines.append(quotas.isEmpty ? "quotas: []" : "quotas:")
            for quota in quotas {
                lines.append("  - path: \(quoted(quota.path))")
                if let capacity = quota.capacity { lines.append("    capacity: \(quoted(capacity.description))") }
                if let inodes = quota.inodes { lines.append("    inodes: \(inodes)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A secret reference as a flow mapping: `{env: "NAME"}` or `{file: "/path"}`.
    private static func reference(_ source: VolumeSpec.SecretSource) -> String {
        switch source {
        case .env(let name): "{env: \(quoted(name))}"
        case .file(let path): "{file: \(quoted(path))}"
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
