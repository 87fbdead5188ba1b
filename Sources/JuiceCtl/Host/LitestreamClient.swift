internal import Foundation
internal import JuiceCtlCore

/// Runs `litestream` for a volume's backup: with the replica's S3 keys in its environment (never on its command line
/// or in its configuration file), without `AWS_CA_BUNDLE` (Litestream 0.5's S3 client fails to load while it is
/// set, measured), and with any echoed key masked in what it printed.
package struct LitestreamClient: Sendable {
    let runner: any CommandRunning
    /// The litestream binary; a bare name when it was not found (``binary()`` then throws).
    let executable: String
    let secrets: SecretResolver

    /// Variables Litestream never gets from juicectl's environment: `AWS_CA_BUNDLE` always; the ambient session token
    /// and profile too when the spec names keys, so that they are not mixed with them.
    static let alwaysUnset = ["AWS_CA_BUNDLE"]
    static let unsetWithKeys = ["AWS_SESSION_TOKEN", "AWS_PROFILE"]

    /// Creates a client running `executable` through `runner`.
    package init(runner: any CommandRunning, executable: String, secrets: SecretResolver = SecretResolver()) {
        self.runner = runner
        self.executable = executable
        self.secrets = secrets
    }

    /// The litestream binary, or an error naming the setup command.
    func binary() throws -> String {
        guard executable.hasPrefix("/") else {
            throw ToolNotFoundError(
                program: "litestream", searched: "not on PATH and \(ToolLocator.litestreamVariable) is not set",
                variable: ToolLocator.litestreamVariable)
        }
        return executable
    }

    /// The command for `litestream ARGUMENTS` on `backup`'s replica, with its environment.
    func command(_ arguments: [String], backup: VolumeSpec.BackupSettings, timeout: Duration) throws -> Command {
        let environment = try secrets.litestreamEnvironment(backup: backup)
        return Command(
            try binary(), arguments, environment: environment,
            unsetEnvironment: Self.alwaysUnset + (environment.isEmpty ? [] : Self.unsetWithKeys),
            inherits: Self.inherits(backup.replica, keysGiven: !environment.isEmpty), timeout: timeout)
    }

    /// What of juicectl's environment Litestream needs: nothing for a file replica; the network settings for an S3
    /// replica, and its ambient credentials when the spec names no keys.
    static func inherits(_ replica: VolumeSpec.BackupSettings.Replica, keysGiven: Bool) -> Set<InheritedVariables> {
        guard case .s3 = replica else { return [] }
        return keysGiven ? [.network] : [.network, .ambientCredentials]
    }

    /// Runs `litestream ARGUMENTS` on `backup`'s replica; the replica's keys are masked in its output.
    func run(_ arguments: [String], backup: VolumeSpec.BackupSettings, timeout: Duration) async throws -> CommandResult {
        let command = try command(arguments, backup: backup, timeout: timeout)
        let result = try await runner.run(command)
        guard !command.environment.isEmpty else { return result }
        var scrubbed = result
        scrubbed.stdout = Redaction.scrub(result.stdout, secrets: Array(command.environment.values))
        scrubbed.stderr = Redaction.scrub(result.stderr, secrets: Array(command.environment.values))
        return scrubbed
    }

    /// The replica as a URL Litestream accepts in place of a database path (`restore`, `ltx`): `file:///dir`, or
    /// `s3://BUCKET/PREFIX?endpoint=...&region=...&forcePathStyle=true`.
    static func replicaURL(_ replica: VolumeSpec.BackupSettings.Replica) -> String {
        switch replica {
        case .file(let path):
            return "file://\(path)"
        case .s3(let s3):
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "endpoint", value: s3.endpoint), URLQueryItem(name: "region", value: s3.region),
                URLQueryItem(name: "forcePathStyle", value: "true"),
            ]
            return "s3://\(s3.bucketName)/\(s3.prefix)?\(query.percentEncodedQuery ?? "")"
        }
    }

    /// One LTX file of a replica, as `litestream ltx -json` lists it.
    struct LTXFile: Sendable, Decodable {
        var level: Int
        var minTXID: UInt64
        var maxTXID: UInt64
        var created: Date?

        enum CodingKeys: String, CodingKey {
            case level, timestamp
            case minTXID = "min_txid"
            case maxTXID = "max_txid"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            level = try container.decode(Int.self, forKey: .level)
            guard let min = UInt64(try container.decode(String.self, forKey: .minTXID), radix: 16),
                let max = UInt64(try container.decode(String.self, forKey: .maxTXID), radix: 16)
            else {
                throw DecodingError.dataCorruptedError(forKey: .maxTXID, in: container, debugDescription: "not a hexadecimal TXID")
            }
            minTXID = min
            maxTXID = max
            created = try container.decodeIfPresent(String.self, forKey: .timestamp).flatMap { try? Date($0, strategy: .iso8601) }
        }
    }

    /// Why the replica could not be listed.
    struct ListingError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every LTX file in the replica, over all levels (`litestream ltx -json -level all`); an empty list for an empty
    /// replica. A store that does not answer is given `timeout` (Litestream itself retries for about two minutes).
    func replicaFiles(_ backup: VolumeSpec.BackupSettings, timeout: Duration = .seconds(10)) async throws -> [LTXFile] {
        let result = try await run(["ltx", "-json", "-level", "all", Self.replicaURL(backup.replica)], backup: backup, timeout: timeout)
        guard result.succeeded else {
            let reason =
                result.termination == .timedOut
                ? "no answer within \(timeout.components.seconds) s" : Self.lastLine(result.stderr + result.stdout)
            throw ListingError(description: "listing the replica failed: \(reason)")
        }
        do {
            return try JSONDecoder().decode([LTXFile].self, from: Data(result.stdout.utf8))
        } catch {
            throw ListingError(description: "litestream ltx printed no readable list: \(Self.lastLine(result.stdout))")
        }
    }

    /// The last line of what litestream printed, trimmed (its error is there).
    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "no output"
    }
}
