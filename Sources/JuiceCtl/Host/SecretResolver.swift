internal import Foundation
public import JuiceCtlCore

/// A secret named in a spec that cannot be read. The message names the spec key and where the secret was to come
/// from, never a value.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The spec key: `metadata.password`, `storage.accessKey`, ...
    public var key: String
    /// Where the secret was to come from.
    public var source: VolumeSpec.SecretSource
    /// What is wrong.
    public var problem: String

    public var description: String {
        let fix =
            switch source {
            case .env(let name): "export \(name) in juicectl's environment (for a service: Environment= or EnvironmentFile=)"
            case .file(let path): "put the secret in \(path), readable by root"
            }
        return "\(key) (\(source)): \(problem); \(fix), or point \(key) elsewhere"
    }
}

/// Reads the secrets a spec names (`{env: NAME}` or `{file: PATH}`) when a program needs them, and hands them over
/// in the environment variables juicefs reads, so that they never appear on a command line, in a plan, a log, the
/// status or an error.
package struct SecretResolver: Sendable {
    private let environment: [String: String]
    private let readFile: @Sendable (String) -> [UInt8]?

    /// Creates a resolver over juicectl's own environment and the files of `host`.
    package init(host: any HostProbing) {
        self.init(environment: ProcessInfo.processInfo.environment, readFile: { path in host.readLocalFile(path).map { [UInt8]($0) } })
    }

    /// Creates a resolver over juicectl's own environment and files (``LiveHost``).
    package init() {
        self.init(host: LiveHost())
    }

    /// Creates a resolver over `environment` and a file reader (for tests).
    package init(environment: [String: String], readFile: @escaping @Sendable (String) -> [UInt8]?) {
        self.environment = environment
        self.readFile = readFile
    }

    /// The secret `source` names, for spec key `key`. A file's one trailing newline is not part of the secret.
    package func resolve(_ source: VolumeSpec.SecretSource, key: String) throws(SecretError) -> String {
        switch source {
        case .env(let name):
            guard let value = environment[name] else { throw SecretError(key: key, source: source, problem: "the variable is not set") }
            guard !value.isEmpty else { throw SecretError(key: key, source: source, problem: "the variable is empty") }
            return value
        case .file(let path):
            guard var bytes = readFile(path) else { throw SecretError(key: key, source: source, problem: "the file cannot be read") }
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard let value = String(validating: bytes, as: UTF8.self) else {
                throw SecretError(key: key, source: source, problem: "the file is not UTF-8 text")
            }
            guard !value.isEmpty else { throw SecretError(key: key, source: source, problem: "the file is empty") }
            guard !value.contains("\n") else {
                throw SecretError(key: key, source: source, problem: "the file holds more than one line")
            }
            return value
        }
    }

    /// What a juicefs command on `metadata` needs: `META_PASSWORD` when the engine has a password.
    package func juicefsEnvironment(metadata: VolumeSpec.Metadata) throws(SecretError) -> [String: String] {
        guard let password = metadata.password else { return [:] }
        return ["META_PASSWORD": try resolve(password, key: "metadata.password")]
    }

    /// What `juicefs format` (and anything else that opens the object storage) needs: the metadata password and
    /// `ACCESS_KEY` / `SECRET_KEY` for S3 storage.
    package func juicefsEnvironment(storage: VolumeSpec.Storage, metadata: VolumeSpec.Metadata) throws(SecretError) -> [String: String] {
        var result = try juicefsEnvironment(metadata: metadata)
        if case .s3(_, let accessKey, let secretKey) = storage {
            if let accessKey { result["ACCESS_KEY"] = try resolve(accessKey, key: "storage.accessKey") }
            if let secretKey { result["SECRET_KEY"] = try resolve(secretKey, key: "storage.secretKey") }
        }
        return result
    }

    /// What Litestream needs for an S3 replica with keys: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, which its
    /// S3 client reads from the environment (the configuration file names no key).
    package func litestreamEnvironment(backup: VolumeSpec.BackupSettings) throws(SecretError) -> [String: String] {
        guard case .s3(let replica) = backup.replica, let accessKey = replica.accessKey, let secretKey = replica.secretKey else {
            return [:]
        }
        return [
            "AWS_ACCESS_KEY_ID": try resolve(accessKey, key: "backup.replica.accessKey"),
            "AWS_SECRET_ACCESS_KEY": try resolve(secretKey, key: "backup.replica.secretKey"),
        ]
    }

    /// Every secret value the spec names that can be read now, to scrub from text a program printed (juicefs may
    /// echo a URL or a key in an error).
    package func knownSecrets(of spec: VolumeSpec) -> [String] {
        var sources: [(VolumeSpec.SecretSource, String)] = []
        if let password = spec.metadata.password { sources.append((password, "metadata.password")) }
        if case .s3(_, let accessKey, let secretKey) = spec.storage {
            if let accessKey { sources.append((accessKey, "storage.accessKey")) }
            if let secretKey { sources.append((secretKey, "storage.secretKey")) }
        }
        if case .s3(let replica)? = spec.backup?.replica {
            if let accessKey = replica.accessKey { sources.append((accessKey, "backup.replica.accessKey")) }
            if let secretKey = replica.secretKey { sources.append((secretKey, "backup.replica.secretKey")) }
        }
        return sources.compactMap { try? resolve($0.0, key: $0.1) }.filter { $0.count >= 4 }
    }
}
