import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Litestream 0.5.17 replicating, compacting, enforcing retention, listing and restoring with the ownership record in
/// place: next to the prefix in the S3 bucket, inside the file replica's directory.
@Suite("owner-litestream: the real litestream with the ownership record present", .serialized, .enabled(if: Prerequisites.enabled))
struct OwnershipLitestreamTests {
    @Test(
        "owner-litestream: replicate (with compaction and L0 retention), ltx and restore ignore the record, which stays as written",
        arguments: OwnerHosts.Kind.allCases)
    func litestreamIgnoresTheRecord(_ kind: OwnerHosts.Kind) async throws {
        try Prerequisites.require()
        let litestream = try #require(OwnerTools.litestream, "litestream is missing (run `make setup`)")
        let sqlite3 = try #require(["/usr/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let gateway: S3Gateway? = kind == .s3 ? try S3Gateway(id: "owner-\(LoopbackServers.newID())") : nil
        do {
            try await gateway?.start()
            try await gateway?.makeBucket(OwnerHosts.bucket)
            let hosts = try OwnerHosts(kind, name: "litestream", gateway: gateway)
            defer { hosts.remove() }
            try await drill(hosts, gateway: gateway, litestream: litestream, sqlite3: sqlite3)
        } catch {
            await gateway?.stop()
            throw error
        }
        await gateway?.stop()
    }

    private func drill(_ hosts: OwnerHosts, gateway: S3Gateway?, litestream: String, sqlite3: String) async throws {

        // The record first, as juicectl writes it before Litestream starts.
        guard case .claimed(let record) = try await hosts.claim("a").claim() else {
            Issue.record("no claim")
            return
        }
        let database = "\(hosts.root)/metadata.db"
        #expect(try await Shell.run(sqlite3, [database, "pragma journal_mode=wal; create table t(x);"]).exitCode == 0)
        let replica: String
        let replicaURL: String
        var environment: [String: String] = [:]
        if let gateway {
            let prefix = "owner/litestream/\(OwnerHosts.volume)"
            replica = """
                      type: s3
                      bucket: \(OwnerHosts.bucket)
                      path: \(prefix)
                      endpoint: \(gateway.endpoint)
                      region: us-east-1
                      force-path-style: true
                """
            replicaURL = "s3://\(OwnerHosts.bucket)/\(prefix)?endpoint=\(gateway.endpoint)&region=us-east-1&forcePathStyle=true"
            environment = ["AWS_ACCESS_KEY_ID": gateway.accessKey, "AWS_SECRET_ACCESS_KEY": gateway.secretKey]
        } else {
            let directory = "\(hosts.root)/replica"
            replica = "      type: file\n      path: \(directory)"
            replicaURL = "file://\(directory)"
        }
        // With the record alone, the replica lists as empty: juicectl would format, not restore.
        let empty = try await Self.run(litestream, ["ltx", "-json", "-level", "all", replicaURL], environment)
        #expect(empty.exitCode == 0, "\(empty.transcript)")
        #expect(try Self.levels(empty.stdout).isEmpty, "\(empty.stdout)")

        let config = "\(hosts.root)/litestream.yml"
        try """
        levels:
          - interval: 2s
        l0-retention: 3s
        l0-retention-check-interval: 2s
        dbs:
          - path: \(database)
            replica:
        \(replica)
              sync-interval: 200ms

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let replicate = try ServerProcess(
            name: "litestream replicate", executable: litestream,
            arguments: ["replicate", "-config", config],
            environment: environment, removing: ["AWS_CA_BUNDLE"], logPath: "\(hosts.root)/litestream.log")
        for row in 1...16 {
            #expect(try await Shell.run(sqlite3, [database, "insert into t values (\(row));"]).exitCode == 0)
            try await Task.sleep(for: .milliseconds(500))
        }
        try await Task.sleep(for: .seconds(1))
        await replicate.stop(signal: SIGTERM)
        let log = replicate.logTail(lines: 200)
        #expect(log.contains("compaction complete") && log.contains("l0 retention enforced"), "\(log)")
        #expect(!log.contains("level=ERROR") && !log.contains("level=WARN"), "\(log)")

        let listed = try await Self.run(litestream, ["ltx", "-json", "-level", "all", replicaURL], environment)
        #expect(listed.exitCode == 0, "\(listed.transcript)")
        let levels = try Self.levels(listed.stdout)
        #expect(levels.contains(0) && levels.contains(1), "\(listed.stdout)")

        let restored = "\(hosts.root)/restored.db"
        let restore = try await Self.run(litestream, ["restore", "-o", restored, replicaURL], environment)
        #expect(restore.exitCode == 0, "\(restore.transcript)")
        let count = try await Shell.run(sqlite3, [restored, "select count(*) from t;"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "16", "\(count.transcript)")

        // The record is as written, and Litestream's keys or files are all under its prefix or in its ltx tree.
        #expect(try await hosts.store().read() == record)
        if let gateway {
            let keys = try await gateway.objectKeys(in: OwnerHosts.bucket, prefix: "owner/litestream/")
            #expect(keys.contains(hosts.recordName))
            let litestreams = keys.filter { $0 != hosts.recordName }
            #expect(litestreams.allSatisfy { $0.hasPrefix("owner/litestream/\(OwnerHosts.volume)/") && $0.hasSuffix(".ltx") }, "\(keys)")
        } else {
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(hosts.root)/replica").sorted()
            #expect(names == ["juicectl-owner.json", "ltx"], "\(names)")
        }
    }

    /// Runs litestream without `AWS_CA_BUNDLE` (its S3 client does not start while it is set).
    private static func run(_ litestream: String, _ arguments: [String], _ environment: [String: String]) async throws -> CommandResult {
        try await SubprocessRunner().run(
            Command(
                litestream, arguments, environment: environment, unsetEnvironment: ["AWS_CA_BUNDLE"],
                inherits: [.network], timeout: .seconds(60)))
    }

    /// The levels of the LTX files `litestream ltx -json` listed.
    private static func levels(_ json: String) throws -> Set<Int> {
        let text = json.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text != "null" else { return [] }
        let files = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
        return Set(files.compactMap { $0["level"] as? Int })
    }
}
