extension VolumeSpec {
    /// Where a secret (an S3 key, a metadata password) is read from when juicectl needs it. The spec model never
    /// holds a secret itself, only this reference.
    ///
    /// In YAML: `{env: NAME}` or `{file: /absolute/path}`, exactly one key. Encoded the same way.
    public enum SecretSource: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The value of environment variable `name` (of the juicectl process).
        case env(String)
        /// The content of the file at this absolute, normalised path.
        case file(String)

        /// Names an environment variable may have: `^[A-Za-z_][A-Za-z0-9_]*$`.
        public static let environmentNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$"

        /// `env NAME` or `file /path`: where the secret comes from, never the secret; safe to print.
        public var description: String {
            switch self {
            case .env(let name): "env \(name)"
            case .file(let path): "file \(path)"
            }
        }

        private enum CodingKeys: String, CodingKey {
            case env, file
        }

        /// Decodes `{"env": NAME}` or `{"file": PATH}`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let env = try container.decodeIfPresent(String.self, forKey: .env)
            let file = try container.decodeIfPresent(String.self, forKey: .file)
            switch (env, file) {
            case (let name?, nil): self = .env(name)
            case (nil, let path?): self = .file(path)
            default:
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "a secret source has exactly one of env and file"))
            }
        }

        /// Encodes `{"env": NAME}` or `{"file": PATH}`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .env(let name): try container.encode(name, forKey: .env)
            case .file(let path): try container.encode(path, forKey: .file)
            }
        }
    }
}
