/// The rules of `metadata.url`: which engines juicectl accepts and what their URLs must hold. A password never
/// travels in the URL: it is a `metadata.password` reference.
enum MetadataURL {
    /// The JSON Schema pattern: the schemes, with a host for Redis and PostgreSQL and a database for PostgreSQL.
    /// Passwords, ports and database numbers only the tool checks.
    static let pattern = #"^(sqlite3:///|rediss?://[^/?#\s]+(/[0-9]*)?([?#]|$)|postgres://[^/?#\s]+/[^/?#\s]+)"#

    /// Examples for hints.
    static let examples =
        "sqlite3:///var/lib/juicectl/NAME/metadata.db, redis://HOST:6379/1, rediss://HOST:6379/1 or postgres://USER@HOST:5432/DATABASE"

    /// The engine of `text`, or why it is not accepted. For SQLite only the scheme and the parameters are checked
    /// here; the path is the builder's.
    static func check(_ text: String) -> Result<VolumeSpec.Metadata.Engine, URLProblem> {
        let shown = Redaction.redactURL(text)
        if text.hasPrefix("sqlite3://") {
            // A file path may hold '@' and '#': no URL structure beyond the scheme and the parameters.
            let parameters = text.firstIndex(of: "?").map { text[text.index(after: $0)...] } ?? ""
            let names = parameters.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first ?? $0 }
            if let secret = names.first(where: { Redaction.isSecretParameter($0) }) {
                return .failure(
                    URLProblem(
                        message: "the metadata URL '\(shown)' carries a secret in its parameter '\(secret)'",
                        hint: "remove it: juicectl passes no secrets in URLs"))
            }
            guard text.hasPrefix("sqlite3:///") else {
                return .failure(
                    URLProblem(
                        message: "'\(shown)' is not a sqlite3:///absolute/path URL",
                        hint: "e.g. sqlite3:///var/lib/juicectl/NAME/metadata.db"))
            }
            return .success(.sqlite)
        }
        guard let url = EndpointURL(text) else {
            return .failure(URLProblem(message: "'\(shown)' is not a metadata engine URL", hint: examples))
        }
        let engine: VolumeSpec.Metadata.Engine
        switch url.scheme {
        case "redis", "rediss": engine = .redis
        case "postgres": engine = .postgres
        case "postgresql":
            return .failure(
                URLProblem(
                    message: "juicefs names the PostgreSQL engine postgres://, not postgresql://",
                    hint: "write '\(shown.replacingPrefix("postgresql://", with: "postgres://"))'"))
        default:
            return .failure(
                URLProblem(
                    message: "'\(shown)' is not a supported metadata engine URL (SQLite, Redis or PostgreSQL)",
                    hint: examples))
        }
        if let secret = url.queryItems.first(where: { Redaction.isSecretParameter($0.name) }) {
            return .failure(
                URLProblem(
                    message: "the metadata URL '\(shown)' carries a secret in its parameter '\(secret.name)'",
                    hint: "remove it and give the password as metadata.password: {env: NAME} or {file: PATH}"))
        }
        if url.hasPassword {
            return .failure(
                URLProblem(
                    message: "the metadata URL '\(shown)' holds a password",
                    hint: "remove it from the URL and write metadata.password: {env: NAME} or {file: PATH}"))
        }
        if let user = url.userInfo, user.isEmpty || user.contains(where: { $0 == "/" || $0 == "#" || $0.isWhitespace }) {
            return .failure(URLProblem(message: "the metadata URL '\(shown)' has an invalid user name before '@'"))
        }
        if url.fragment != nil {
            return .failure(URLProblem(message: "the metadata URL '\(shown)' has a fragment ('#...')", hint: examples))
        }
        guard !url.authority.isEmpty,
            url.authority.split(separator: ",", omittingEmptySubsequences: false)
                .allSatisfy({ EndpointURL.hostAndPort($0) != nil })
        else {
            return .failure(
                URLProblem(
                    message: "the metadata URL '\(shown)' has no valid host, or a port outside 1 to 65535",
                    hint: examples))
        }
        let path = url.path.dropFirst()
        switch engine {
        case .redis:
            guard path.allSatisfy({ $0.isASCII && $0.isNumber }), path.count <= 9 else {
                return .failure(
                    URLProblem(
                        message: "the Redis database in '\(shown)' is not a number",
                        hint: "e.g. redis://HOST:6379/1 (database 1); without one, database 0"))
            }
        case .postgres:
            guard !path.isEmpty, !path.contains("/"), !path.contains(where: \.isWhitespace) else {
                return .failure(
                    URLProblem(
                        message: "the metadata URL '\(shown)' names no PostgreSQL database (or more than one path segment)",
                        hint: "e.g. postgres://USER@HOST:5432/DATABASE"))
            }
        case .sqlite:
            break
        }
        return .success(engine)
    }

    /// What identifies the database an accepted URL points at: two volumes with the same identity would share
    /// metadata. SQLite: the file. Redis: the hosts with their ports (6379 by default) and the database number (0 by
    /// default). PostgreSQL: the hosts with their ports (5432 by default), the database and any `search_path`.
    /// Host names are compared in lower case; user names, TLS and other parameters do not matter.
    static func identity(of text: String, sqlitePath: String?) -> String {
        if let sqlitePath { return "sqlite3://\(sqlitePath)" }
        guard let url = EndpointURL(text) else { return text }
        let isRedis = url.scheme == "redis" || url.scheme == "rediss"
        let defaultPort = isRedis ? 6379 : 5432
        let hosts = url.authority.split(separator: ",").map { element -> String in
            guard let (host, port) = EndpointURL.hostAndPort(element) else { return element.lowercased() }
            return "\(host.lowercased()):\(port ?? defaultPort)"
        }.sorted().joined(separator: ",")
        if isRedis {
            let number = Int(url.path.dropFirst()) ?? 0
            return "redis://\(hosts)/\(number)"
        }
        let searchPath = url.queryItems.first { $0.name == "search_path" }?.value.map { "?search_path=\($0)" } ?? ""
        return "postgres://\(hosts)/\(url.path.dropFirst())\(searchPath)"
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
