import Foundation
import JuiceCtl
import Testing

/// What the integration tests need: root, /dev/fuse, the real juicefs binary and the built juicectl.
///
/// Outside CI a machine without them skips the suites with the reason; in CI (`CI=true`) the suites always run, so a
/// missing prerequisite fails the run instead of skipping silently.
enum Prerequisites {
    /// The repository root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// Whether this run is CI.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The juicefs binary: `JUICECTL_JUICEFS`, then PATH, then the project's `.tools/venv/bin`.
    static let juicefs: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let named = environment["JUICECTL_JUICEFS"], FileManager.default.isExecutableFile(atPath: named) { return named }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/juicefs"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let local = "\(repositoryRoot)/.tools/venv/bin/juicefs"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }()

    /// The juicectl executable built next to the test bundle.
    static let juicectl: String? = {
        var candidates: [String] = []
        if let bundle = ProcessInfo.processInfo.arguments.first {
            var directory = URL(fileURLWithPath: bundle).deletingLastPathComponent()
            // `swift test` runs `<build>/debug/<package>PackageTests.xctest`; Swift Testing may run a helper binary
            // inside the bundle, so look in a few parents.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("juicectl").path)
                directory.deleteLastPathComponent()
            }
        }
        candidates.append("\(repositoryRoot)/.build/debug/juicectl")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// `redis-server`, for the Redis metadata server the tests start on loopback (`RedisServer`).
    static let redisServer: String? = executable("redis-server")

    /// The PostgreSQL server binaries (`initdb`, `postgres`, `psql`) of the newest `/usr/lib/postgresql/<ver>/bin`,
    /// for `PostgresServer`.
    static let postgresBin: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { bin in
            ["initdb", "postgres", "psql"].allSatisfy { FileManager.default.isExecutableFile(atPath: "\(bin)/\($0)") }
        }
    }()

    /// Whether the `postgres` OS user exists (initdb and postgres refuse to run as root).
    static let postgresUserExists: Bool = getpwnam("postgres") != nil

    /// `setpriv` (util-linux), which runs the PostgreSQL binaries as the `postgres` user.
    static let setpriv: String? = executable("setpriv")

    /// `curl`, which makes and lists buckets on the S3 gateway (`S3Gateway`).
    static let curl: String? = executable("curl")

    /// `name` on PATH or in the usual system directories.
    private static func executable(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let directories = path + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// What is missing, in words.
    static let missing: [String] = {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (run the tests as root)") }
        if !FileManager.default.fileExists(atPath: "/dev/fuse") { missing.append("/dev/fuse") }
        if juicefs == nil { missing.append("juicefs (run `make setup`)") }
        if juicectl == nil { missing.append("the juicectl executable (run `swift build`)") }
        if redisServer == nil { missing.append("redis-server (run `make setup`)") }
        if postgresBin == nil {
            missing.append("PostgreSQL's initdb, postgres and psql in /usr/lib/postgresql/<version>/bin (run `make setup`)")
        }
        if !postgresUserExists { missing.append("the postgres OS user (run `make setup`)") }
        if setpriv == nil { missing.append("setpriv (util-linux; run `make setup`)") }
        if curl == nil { missing.append("curl (run `make setup`)") }
        return missing
    }()

    /// Whether the integration suites run: always in CI, elsewhere when nothing is missing.
    static let enabled = isCI || missing.isEmpty

    /// Fails the calling test when something is missing (only reached in CI or when everything is there).
    static func require() throws {
        if !missing.isEmpty {
            throw PrerequisiteMissing(description: "integration prerequisites missing: \(missing.joined(separator: ", "))")
        }
    }

    struct PrerequisiteMissing: Error, CustomStringConvertible {
        var description: String
    }
}

@Suite("Prerequisites")
struct PrerequisiteTests {
    @Test("in CI every prerequisite of the integration tests is present", .enabled(if: Prerequisites.isCI))
    func ciHasEveryPrerequisite() {
        #expect(Prerequisites.missing.isEmpty, "missing in CI: \(Prerequisites.missing.joined(separator: ", "))")
    }

    @Test("the juicefs binary is the pinned 1.4.2 release", .enabled(if: Prerequisites.enabled))
    func juicefsIsPinnedVersion() async throws {
        try Prerequisites.require()
        let result = try await Shell.run(Prerequisites.juicefs!, ["version"])
        #expect(result.stdout.contains("1.4.2"), "juicefs version printed: \(result.stdout)")
    }
}
