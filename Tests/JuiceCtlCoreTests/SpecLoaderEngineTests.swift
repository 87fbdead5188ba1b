import Foundation
import Testing

@testable import JuiceCtlCore

/// `metadata:` with `url` (and `extra` lines inside the section).
func metadataYAML(_ url: String, _ extra: String = "") -> String {
    SpecFixture.yaml("metadata:\n  url: \(url)\n\(extra)")
}

@Suite("Spec metadata engines")
struct SpecLoaderEngineTests {
    @Test(
        "Redis and PostgreSQL URLs are accepted as written, with the engine they name",
        arguments: [
            ("redis://127.0.0.1:6379/1", VolumeSpec.Metadata.Engine.redis),
            ("redis://127.0.0.1", .redis),
            ("rediss://redis.example.com:6380/", .redis),
            ("redis://default@10.0.0.5/2", .redis),
            ("\"redis://[::1]:6379/0\"", .redis),
            ("redis://h1:26379,h2:26379/3", .redis),
            ("redis://127.0.0.1:6379/1?dial-timeout=5s", .redis),
            ("postgres://postgres@127.0.0.1:5432/jfs", .postgres),
            ("postgres://db.example.com/jfs?sslmode=disable", .postgres),
            ("postgres://juicefs@db1:5432,db2:5432/jfs?sslmode=require&search_path=vol1", .postgres),
        ])
    func accepted(written: String, engine: VolumeSpec.Metadata.Engine) throws {
        let spec = try SpecFixture.spec(metadataYAML(written))
        let url = written.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        #expect(spec.metadata.url == url)
        #expect(spec.metadata.engine == engine)
        #expect(spec.metadata.sqlitePath == nil)
        #expect(spec.metadata.password == nil)
        #expect(spec.metadata.redactedURL == url)
        #expect(spec.backup == nil, "Litestream is for SQLite only")
    }

    @Test("the password is a reference, shown in the display URL by where it comes from")
    func password() throws {
        let spec = try SpecFixture.spec(metadataYAML("redis://127.0.0.1:6379/1", "  password: {env: REDIS_PASSWORD}\n"))
        #expect(spec.metadata == .redis(url: "redis://127.0.0.1:6379/1", password: .env("REDIS_PASSWORD")))
        #expect(spec.metadata.displayURL == "redis://127.0.0.1:6379/1 (password: env REDIS_PASSWORD)")
        let postgres = try SpecFixture.spec(
            metadataYAML("postgres://postgres@127.0.0.1:5432/jfs", "  password: {file: /etc/juicectl/pg}\n"))
        #expect(postgres.metadata == .postgres(url: "postgres://postgres@127.0.0.1:5432/jfs", password: .file("/etc/juicectl/pg")))
        #expect(postgres.metadata.displayURL == "postgres://postgres@127.0.0.1:5432/jfs (password: file /etc/juicectl/pg)")
    }

    @Test("SQLite stays the default engine, and a SQLite spec encodes exactly as before (its revision does not change)")
    func sqliteDefault() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.metadata.engine == .sqlite)
        #expect(spec.metadata.password == nil)
        #expect(spec.metadata.displayURL == spec.metadata.url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(
            String(decoding: try encoder.encode(spec.metadata), as: UTF8.self)
                == #"{"sqlitePath":"/srv/demo/metadata.db","url":"sqlite3:///srv/demo/metadata.db?_journal_mode=WAL&_busy_timeout=5000"}"#)
        #expect(String(decoding: try encoder.encode(spec.storage), as: UTF8.self) == #"{"local":{"path":"/srv/demo/objects"}}"#)
    }

    @Test(
        "a password in the URL is refused with a hint, and the message shows the URL redacted",
        arguments: [
            ("redis://:\(secretValue)@127.0.0.1:6379/1", "redis://:****@127.0.0.1:6379/1"),
            ("rediss://default:\(secretValue)@127.0.0.1:6379/1", "rediss://default:****@127.0.0.1:6379/1"),
            ("postgres://postgres:\(secretValue)@127.0.0.1:5432/jfs", "postgres://postgres:****@127.0.0.1:5432/jfs"),
            ("redis://:ab/\(secretValue)@127.0.0.1:6379/1", "redis://:****@127.0.0.1:6379/1"),
            ("\"redis://:ab#\(secretValue)@127.0.0.1/1\"", "redis://:****@127.0.0.1/1"),
        ])
    func passwordInURL(written: String, shown: String) {
        let yaml = metadataYAML(written)
        ExpectedDiagnostic(
            yaml: yaml, line: 5, column: 8, path: "metadata.url", message: "'\(shown)' holds a password",
            hint: "metadata.password: {env: NAME}"
        ).check()
        expectNoSecret(in: SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics)
    }

    @Test(
        "a password as a URL parameter is refused, redacted",
        arguments: [
            "postgres://postgres@127.0.0.1/jfs?sslmode=disable&password=\(secretValue)",
            "redis://127.0.0.1/1?Password=\(secretValue)",
            "sqlite3:///srv/demo/m.db?_auth_user=a&_auth_pass=\(secretValue)",
        ])
    func passwordParameter(written: String) {
        let yaml = metadataYAML(written)
        ExpectedDiagnostic(yaml: yaml, line: 5, column: 8, path: "metadata.url", message: "carries a secret in its parameter").check()
        expectNoSecret(in: SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics)
    }

    @Test(
        "a metadata URL that juicectl does not accept is refused at the value",
        arguments: [
            ("postgresql://postgres@127.0.0.1/jfs", "postgres://, not postgresql://", "postgres://postgres@127.0.0.1/jfs"),
            ("mysql://root@(127.0.0.1:3306)/jfs", "is not a supported metadata engine URL", "postgres://"),
            ("tikv://127.0.0.1:2379/jfs", "is not a supported metadata engine URL", "redis://"),
            ("redis:///1", "has no valid host", "redis://HOST:6379/1"),
            ("redis://127.0.0.1:70000/1", "port outside 1 to 65535", "redis://"),
            ("redis://127.0.0.1/jfs", "the Redis database in 'redis://127.0.0.1/jfs' is not a number", "database 0"),
            ("redis://127.0.0.1/1/2", "is not a number", "redis://HOST:6379/1"),
            ("postgres://postgres@127.0.0.1:5432", "names no PostgreSQL database", "postgres://USER@HOST:5432/DATABASE"),
            ("postgres://postgres@127.0.0.1:5432/", "names no PostgreSQL database", "DATABASE"),
            ("postgres://127.0.0.1/a/b", "names no PostgreSQL database", "DATABASE"),
            ("postgres://@127.0.0.1/jfs", "invalid user name", nil),
            ("\"redis://127.0.0.1/1#x\"", "has a fragment", "redis://"),
            ("sqlite3://metadata.db", "is not a sqlite3:///absolute/path URL", "sqlite3:///var/lib/juicectl"),
            ("metadata.db", "is not a metadata engine URL", "sqlite3:///"),
        ] as [(String, String, String?)])
    func refused(written: String, message: String, hint: String?) {
        ExpectedDiagnostic(yaml: metadataYAML(written), line: 5, column: 8, path: "metadata.url", message: message, hint: hint).check()
    }

    @Test("the URL is a string in YAML 1.2 terms", arguments: [("42", "an integer"), ("true", "a boolean"), ("~", "null")])
    func urlTyping(written: String, found: String) {
        ExpectedDiagnostic(yaml: metadataYAML(written), line: 5, column: 8, path: "metadata.url", message: "found \(found)").check()
    }

    @Test(
        "SQLite has no password, whether its URL is written or the default",
        arguments: [
            "metadata:\n  url: sqlite3:///srv/demo/m.db\n  password: {env: DB_PASSWORD}\n",
            "metadata:\n  password: {env: DB_PASSWORD}\n",
        ])
    func noPasswordForSQLite(extra: String) {
        let line = extra.contains("url") ? 6 : 5
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml(extra), line: line, column: 13, path: "metadata.password",
            message: "SQLite metadata has no password", hint: "remove metadata.password"
        ).check()
    }

    @Test("a backup section with Redis or PostgreSQL metadata is refused, unless it turns backup off")
    func backupNeedsSQLite() throws {
        ExpectedDiagnostic(
            yaml: metadataYAML("redis://127.0.0.1/1", "backup:\n  syncInterval: 1s\n"), line: 7, column: 3, path: "backup",
            message: "Litestream backup needs SQLite metadata"
        ).check()
        let spec = try SpecFixture.spec(metadataYAML("postgres://db/jfs", "backup:\n  enabled: false\n"))
        #expect(spec.backup == nil)
    }

    @Test("the metadata URL changes the revision; the password reference does too")
    func revision() throws {
        let redis = try SpecFixture.spec(metadataYAML("redis://127.0.0.1:6379/1"))
        let other = try SpecFixture.spec(metadataYAML("redis://127.0.0.1:6379/2"))
        let withPassword = try SpecFixture.spec(metadataYAML("redis://127.0.0.1:6379/1", "  password: {env: P}\n"))
        #expect(
            Set([redis.origin.revision, other.origin.revision, withPassword.origin.revision, try SpecFixture.spec().origin.revision]).count
                == 4)
    }
}
