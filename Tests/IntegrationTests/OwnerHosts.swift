import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization
import Testing

/// Several "hosts" claiming one volume's ownership record at a real location: each host is a base directory of its
/// own under `/tmp/juicectl-it/owner-<name>/` (its instance id and its memory), with a store object of its own on the
/// same record, as separate processes would have. The S3 location is a bucket of a real `juicefs gateway` reached by
/// real curl through the product's runner; the file location is a real directory through the live host.
struct OwnerHosts: Sendable {
    /// Where the record lives.
    enum Kind: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case s3, file
        var testDescription: String { rawValue }
    }

    static let volume = "owner-vol"
    static let bucket = "owner-records"

    let kind: Kind
    let root: String
    let runner: RecordingRunner
    let secrets: SecretResolver
    private let object: OwnershipLocation.S3Object?
    private let file: String?

    /// Every key the stores were given (to grep outputs for).
    let keys: [String]

    /// Hosts over the record of a fresh prefix in `gateway`'s bucket (which must exist), or of a fresh file.
    init(_ kind: Kind, name: String, gateway: S3Gateway?) throws {
        self.kind = kind
        root = "/tmp/juicectl-it/owner-\(name)-\(LoopbackServers.newID())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        runner = RecordingRunner()
        switch kind {
        case .s3:
            guard let gateway else { throw ServerError(description: "an S3 location needs a gateway") }
            object =
                OwnershipLocation.s3(
                    replica: .init(
                        bucket: gateway.bucketURL(Self.bucket), prefix: "owner/\(name)/\(Self.volume)",
                        accessKey: .env("OWNER_IT_AK"), secretKey: .file("\(root)/secret-key"))
                )
                .s3Object
            try (gateway.secretKey + "\n").write(toFile: "\(root)/secret-key", atomically: true, encoding: .utf8)
            chmod("\(root)/secret-key", 0o600)
            secrets = SecretResolver(
                environment: ["OWNER_IT_AK": gateway.accessKey],
                readFile: { path in
                    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
                })
            keys = [gateway.accessKey, gateway.secretKey]
            file = nil
        case .file:
            object = nil
            file = OwnershipLocation.file(replicaDirectory: "\(root)/replica").filePath
            secrets = SecretResolver(environment: [:], readFile: { _ in nil })
            keys = []
        }
    }

    /// The record's key in the bucket (S3), or its path (file).
    var recordName: String { object?.key ?? file ?? "" }

    /// A store on the record, as one host has it.
    func store() throws -> any OwnershipStoring {
        if let object {
            return try S3OwnershipStore(object: object, volume: Self.volume, runner: runner, curl: Prerequisites.curl!, secrets: secrets)
        }
        return FileOwnershipStore(path: file!, host: LiveHost())
    }

    /// The base directory of host `name`.
    func baseDir(_ name: String) -> String { "\(root)/host-\(name)" }

    /// Host `name`'s claim: its own instance id and memory, its own store.
    func claim(
        _ name: String, settle: Duration = OwnershipClaim.defaultSettle, readDeadline: Duration = .seconds(10),
        progress: (@Sendable (OwnershipStep) -> Void)? = nil
    ) async throws -> OwnershipClaim {
        let state = "\(baseDir(name))/.juicectl"
        let instance = try await OwnershipIdentity.instance(file: "\(state)/instance-id", host: LiveHost())
        let identity = OwnershipIdentity(host: "host-\(name)", machineId: "it", bootId: "it", instance: instance, pid: getpid())
        return OwnershipClaim(
            volume: Self.volume, uuid: nil, identity: identity, store: try store(),
            memory: LocalOwnershipMemory(path: "\(state)/ownership.json", host: LiveHost()),
            settle: settle, readDeadline: readDeadline, progress: progress)
    }

    /// The hosts among `names` whose standing is `owned`.
    func owners(_ names: [String]) async throws -> [String] {
        var owners: [String] = []
        for name in names {
            if case .owned = try await claim(name).standing() { owners.append(name) }
        }
        return owners
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

extension OwnershipLocation {
    var s3Object: S3Object? { if case .s3(let object) = self { object } else { nil } }
    var filePath: String? { if case .file(let path) = self { path } else { nil } }
}

/// The product's runner, recording every command and result (to grep them for keys).
final class RecordingRunner: CommandRunning {
    private let base = SubprocessRunner()
    private let log = Mutex<[(Command, CommandResult?)]>([])

    var commands: [Command] { log.withLock { $0.map(\.0) } }
    var results: [CommandResult] { log.withLock { $0.compactMap(\.1) } }

    func run(_ command: Command) async throws(CommandError) -> CommandResult {
        do {
            let result = try await base.run(command)
            log.withLock { $0.append((command, result)) }
            return result
        } catch {
            log.withLock { $0.append((command, nil)) }
            throw error
        }
    }
}

/// The litestream binary: `JUICECTL_LITESTREAM`, then beside juicefs, then PATH.
enum OwnerTools {
    static let litestream: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let named = environment["JUICECTL_LITESTREAM"], FileManager.default.isExecutableFile(atPath: named) { return named }
        var candidates = (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/litestream" }
        if let juicefs = Prerequisites.juicefs {
            candidates.insert("\((juicefs as NSString).deletingLastPathComponent)/litestream", at: 0)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}
