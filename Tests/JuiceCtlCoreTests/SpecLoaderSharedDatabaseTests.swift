import Testing

@testable import JuiceCtlCore

@Suite("Spec documents sharing a metadata database")
struct SpecLoaderSharedDatabaseTests {
    /// Loads two documents from one file, volumes `one` and `two` in their own base directories, with these
    /// metadata URLs; returns the result and the file's path.
    static func load(_ first: String?, _ second: String?) throws -> (result: SpecLoader.Result, file: String) {
        func document(_ name: String, _ url: String?) -> String {
            "version: 1\nname: \(name)\nbaseDir: /srv/\(name)\n" + (url.map { "metadata:\n  url: \($0)\n" } ?? "")
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("volumes.yaml", document("one", first) + "---\n" + document("two", second))
        return (SpecLoader().load(paths: [file]), file)
    }

    @Test(
        "two documents may not use one database, however its URL is written",
        arguments: [
            ("redis://127.0.0.1:6379/1", "redis://127.0.0.1/1"),
            ("redis://Redis.Example.com/1", "rediss://default@redis.example.com:6379/1?dial-timeout=5s"),
            ("redis://127.0.0.1", "redis://127.0.0.1:6379/0"),
            ("redis://h1:26379,h2:26379/1", "redis://h2:26379,h1:26379/1"),
            ("postgres://a@db.example.com/jfs", "postgres://b@DB.example.com:5432/jfs?sslmode=disable"),
            ("sqlite3:///var/db/shared.db", "sqlite3:///var//db/shared.db?_busy_timeout=9000"),
        ])
    func shared(first: String, second: String) throws {
        let (result, file) = try Self.load(first, second)
        #expect(result.specs.isEmpty)
        let error = try #require(result.diagnostics.errors.first { $0.path == "metadata.url" }, "\(result.diagnostics)")
        #expect(error.message.contains("is also used by volume 'one' (\(file):1)"), "\(error)")
        #expect(error.hint == "each volume needs a database of its own")
        #expect(error.location == JuiceCtlCore.SourceLocation(file: file, line: 7, column: 1))
        #expect(result.diagnostics.errors.count == 1, "\(result.diagnostics)")
    }

    @Test(
        "other databases on one server are separate",
        arguments: [
            ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/2"),
            ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6380/1"),
            ("redis://127.0.0.1/1", "redis://127.0.0.2/1"),
            ("postgres://db/jfs1", "postgres://db/jfs2"),
            ("postgres://db/jfs?search_path=one", "postgres://db/jfs?search_path=two"),
            ("redis://db:5432/0", "postgres://db:5432/0"),
        ])
    func separate(first: String, second: String) throws {
        let (result, _) = try Self.load(first, second)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(result.specs.count == 2)
    }

    @Test("the default SQLite databases of two volumes are their own")
    func defaults() throws {
        let (result, _) = try Self.load(nil, nil)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
    }
}
