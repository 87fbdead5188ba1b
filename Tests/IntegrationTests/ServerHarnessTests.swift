import Foundation
import JuiceCtl
import Testing

/// The loopback servers of the integration tests (Tests/IntegrationTests/Servers/) work with the real juicefs
/// binary, run directly (not through juicectl), and leave nothing behind when stopped.
@Suite(
    "Loopback servers: Redis, PostgreSQL and an S3 gateway (real binaries, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct ServerHarnessTests {
    /// A fresh directory `/tmp/juicectl-it/<name>` for a test's volume files.
    func scratch(_ name: String) throws -> String {
        let path = "/tmp/juicectl-it/\(name)"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func juicefs(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await Shell.run(Prerequisites.juicefs!, arguments, environment: environment)
    }

    /// `Setting` of `juicefs status` (its stdout is JSON).
    func setting(_ status: CommandResult) throws -> [String: Any] {
        let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        return try #require(document?["Setting"] as? [String: Any], "no Setting in: \(status.transcript)")
    }

    /// Every process in `pids` is gone: neither running nor left as a zombie.
    func expectGone(_ pids: [Int32], _ server: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for pid in pids {
            let state = LoopbackServers.processState(pid)
            #expect(
                state == nil, "\(server): process \(pid) is still there (state \(state.map(String.init) ?? "?"))",
                sourceLocation: sourceLocation)
        }
    }

    /// Stops `server` and expects the signal alone to end it (no SIGKILL after the grace period); the processes it
    /// had.
    func stopPromptly(_ server: some LoopbackServer, sourceLocation: SourceLocation = #_sourceLocation) async -> [Int32] {
        let pids = await server.processIDs()
        let started = ContinuousClock.now
        await server.stop()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(5), "stopping took \(took)", sourceLocation: sourceLocation)
        return pids
    }

    @Test("juicefs formats a volume on the Redis server with the password from META_PASSWORD, status needs it, and stop leaves no process")
    func redisServerBacksAVolume() async throws {
        try Prerequisites.require()
        let root = try scratch("harness-redis")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let redis = try RedisServer()
        let pids = try await redis.running { redis in
            #expect(!redis.url.contains(redis.password))
            let password = ["META_PASSWORD": redis.password]
            let format = try await juicefs(
                [
                    "format", "--storage", "file", "--bucket", "\(root)/objects", "--trash-days", "0",
                    redis.url, "harness-redis",
                ], environment: password)
            #expect(format.exitCode == 0, "\(format.transcript)")
            let status = try await juicefs(["status", redis.url], environment: password)
            #expect(status.exitCode == 0, "\(status.transcript)")
            #expect(try setting(status)["Name"] as? String == "harness-redis")
            let withoutPassword = try await juicefs(["status", redis.url])
            #expect(withoutPassword.exitCode != 0 && withoutPassword.stderr.contains("NOAUTH"), "\(withoutPassword.transcript)")
            return await stopPromptly(redis)
        }
        #expect(!pids.isEmpty)
        expectGone(pids, "redis-server")
        #expect(!FileManager.default.fileExists(atPath: redis.directory))
    }

    @Test(
        """
        juicefs formats a volume in a fresh PostgreSQL database with the password from META_PASSWORD, status needs it, and stop \
        leaves no process
        """
    )
    func postgresServerBacksAVolume() async throws {
        try Prerequisites.require()
        let root = try scratch("harness-postgres")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let postgres = try PostgresServer()
        let pids = try await postgres.running { postgres in
            let url = try await postgres.createDatabase("harness_postgres")
            #expect(url == postgres.url(database: "harness_postgres") && !url.contains(postgres.password))
            let password = ["META_PASSWORD": postgres.password]
            let format = try await juicefs(
                [
                    "format", "--storage", "file", "--bucket", "\(root)/objects", "--trash-days", "0",
                    url, "harness-postgres",
                ], environment: password)
            #expect(format.exitCode == 0, "\(format.transcript)")
            let status = try await juicefs(["status", url], environment: password)
            #expect(status.exitCode == 0, "\(status.transcript)")
            #expect(try setting(status)["Name"] as? String == "harness-postgres")
            let withoutPassword = try await juicefs(["status", url])
            #expect(
                withoutPassword.exitCode != 0 && withoutPassword.stderr.contains("password authentication failed"),
                "\(withoutPassword.transcript)")
            let missingDatabase = try await juicefs(
                [
                    "format", "--storage", "file", "--bucket", "\(root)/objects2",
                    postgres.url(database: "nosuchdb"), "harness-nodb",
                ], environment: password)
            #expect(missingDatabase.exitCode != 0 && missingDatabase.stderr.contains("does not exist"), "\(missingDatabase.transcript)")
            return await stopPromptly(postgres)
        }
        #expect(pids.count > 1, "the postmaster and its helper processes: \(pids)")
        expectGone(pids, "postgres")
        #expect(!FileManager.default.fileExists(atPath: postgres.directory))
    }

    @Test("juicefs formats a volume on a bucket of the S3 gateway with keys from ACCESS_KEY and SECRET_KEY, and stop leaves no process")
    func s3GatewayBacksAVolume() async throws {
        try Prerequisites.require()
        let root = try scratch("harness-s3")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let gateway = try S3Gateway()
        let pids = try await gateway.running { gateway in
            let keys = ["ACCESS_KEY": gateway.accessKey, "SECRET_KEY": gateway.secretKey]
            try await gateway.makeBucket("harness")
            let format = try await juicefs(
                [
                    "format", "--storage", "s3", "--bucket", gateway.bucketURL("harness"),
                    "--trash-days", "0", "sqlite3://\(root)/meta.db", "harness-s3",
                ], environment: keys)
            #expect(format.exitCode == 0, "\(format.transcript)")
            let status = try await juicefs(["status", "sqlite3://\(root)/meta.db"])
            #expect(status.exitCode == 0, "\(status.transcript)")
            let setting = try setting(status)
            #expect(setting["Storage"] as? String == "s3")
            #expect(setting["Bucket"] as? String == gateway.bucketURL("harness"))
            #expect(setting["AccessKey"] as? String == gateway.accessKey)
            #expect(setting["SecretKey"] as? String == "removed")
            #expect(try await gateway.objectKeys(in: "harness", prefix: "harness-s3/").contains("harness-s3/juicefs_uuid"))

            // format creates a bucket that does not exist yet.
            let auto = try await juicefs(
                [
                    "format", "--storage", "s3", "--bucket", gateway.bucketURL("harness-auto"),
                    "sqlite3://\(root)/auto.db", "harness-auto",
                ], environment: keys)
            #expect(auto.exitCode == 0, "\(auto.transcript)")
            #expect(try await gateway.objectKeys(in: "harness-auto").contains("harness-auto/juicefs_uuid"))
            return await stopPromptly(gateway)
        }
        #expect(!pids.isEmpty)
        expectGone(pids, "juicefs gateway")
        #expect(!FileManager.default.fileExists(atPath: gateway.directory))
    }

    @Test("a server that cannot start fails at once with its log tail, and leaves no process and no directory")
    func failedStartReportsTheLog() async throws {
        try Prerequisites.require()
        let first = try RedisServer()
        try await first.running { first in
            // A second server on the same port: redis-server exits because the address is in use.
            let clash = try RedisServer(port: first.port)
            let started = ContinuousClock.now
            let error = await #expect(throws: ServerError.self) { try await clash.start() }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(error?.description.contains("exited") == true, "\(error.map(String.init(describing:)) ?? "")")
            #expect(error?.description.contains("Address already in use") == true, "\(error.map(String.init(describing:)) ?? "")")
            #expect(await clash.processIDs().isEmpty)
            #expect(!FileManager.default.fileExists(atPath: clash.directory))
        }
    }
}
