import Foundation
import JuiceCtl
import Testing

/// Litestream replicating the SQLite metadata to a real S3 endpoint on loopback (`juicefs gateway`), with the keys
/// by reference and `AWS_CA_BUNDLE` set in juicectl's environment (Litestream's S3 client fails while it is set).
@Suite("Backup to S3 (real juicefs, litestream and an S3 gateway on loopback, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct S3BackupTests {
    /// Waits until `status` reads the S3 replica at or past the database's position, up to 30 s.
    func waitForReplication(_ volume: TestVolume, environment: [String: String]) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        for _ in 0..<100 {
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json", environment: environment).stdout)
            last = status
            let backup = (status["observation"] as? [String: Any])?["backup"] as? [String: Any]
            if let local = backup?["localTXID"] as? Int, let replica = backup?["replicaTXID"] as? Int, replica >= local, replica > 0 {
                return status
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("the S3 replica did not catch up within 30 s: \(last)")
        return last
    }

    @Test("SQLite metadata replicated to S3: the lost database is restored from S3, backup verify reads S3, no secret anywhere")
    func replicaInS3() async throws {
        try await withGateway { gateway in
            try await TestVolume.with("ls-s3") { volume in
                try await drill(volume, gateway: gateway)
            }
        }
    }

    /// Runs `body` with a started S3 gateway, stopped afterwards also when `body` fails.
    private func withGateway(_ body: (S3Gateway) async throws -> Void) async throws {
        let gateway = try S3Gateway()
        try await gateway.start()
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    private func drill(_ volume: TestVolume, gateway: S3Gateway) async throws {
        try await gateway.makeBucket("metadata-backups")
        let secretFile = "\(volume.root)/replica-secret-key"
        try (gateway.secretKey + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile, 0o600)
        let secrets = [gateway.accessKey, gateway.secretKey]
        // AWS_CA_BUNDLE as a real environment has it: juicectl must not hand it to Litestream.
        let environment = ["JUICECTL_IT_LS_KEY": gateway.accessKey, "AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"]
        try volume.writeSpec(
            """
            backup:
              replica:
                type: s3
                bucket: \(gateway.bucketURL("metadata-backups"))
                prefix: hosts/it/ls-s3
                accessKey: {env: JUICECTL_IT_LS_KEY}
                secretKey: {file: \(secretFile)}

            """)
        var outputs: [(String, String)] = []
        func juicectl(_ arguments: String..., extra: [String] = []) async throws -> CommandResult {
            let result = try await Shell.run(Prerequisites.juicectl!, arguments + [volume.specPath] + extra, environment: environment)
            outputs.append(("juicectl \(arguments.joined(separator: " "))", result.stdout + result.stderr))
            return result
        }

        let plan = try await juicectl("plan")
        #expect(plan.exitCode == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("format"), "an empty S3 replica: the volume is formatted\n\(plan.stdout)")
        let apply = try await juicectl("apply")
        #expect(apply.exitCode == 0, "\(apply.transcript)")
        let fs = "\(volume.mountPath)/active/fs"
        try FileTree.write(fs, count: 200, seed: 21)
        let tree = try FileTree.read(fs)
        #expect(try await juicectl("checkpoint", "create", extra: ["one"]).exitCode == 0)

        let status = try await waitForReplication(volume, environment: environment)
        let fresh = (status["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "BackupFresh" }
        #expect(fresh?["status"] as? Bool == true, "\(String(describing: fresh))")

        let verify = try await juicectl("backup", "verify")
        #expect(verify.exitCode == 0, "\(verify.transcript)")
        #expect(verify.stdout.contains("backup OK"), "\(verify.stdout)")

        // Disaster: the metadata database is lost after down; apply restores it from S3.
        let down = try await juicectl("down")
        #expect(down.exitCode == 0, "\(down.transcript)")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: volume.databasePath + suffix) }
        let recoverPlan = try await juicectl("plan")
        // The action lines (after the volume's line and its endpoints line, without the reasons below each): the
        // claim of ownership comes first, before anything writes, and the restore right after it.
        let steps = recoverPlan.stdout.split(separator: "\n").filter { line in
            line.hasPrefix("  ") && ["+", "~", "-"].contains(line.dropFirst(2).first.map(String.init) ?? "")
        }
        #expect(steps.first?.contains("claim ownership") == true, "ownership is not claimed first:\n\(recoverPlan.stdout)")
        #expect(steps.dropFirst().first?.contains("restore metadata") == true, "restore is not next:\n\(recoverPlan.stdout)")
        #expect(recoverPlan.stdout.contains("s3 \(gateway.bucketURL("metadata-backups"))/hosts/it/ls-s3"), "\(recoverPlan.stdout)")
        let recover = try await juicectl("apply")
        #expect(recover.exitCode == 0, "\(recover.transcript)")
        #expect(!recover.stdout.contains("format"), "it formatted:\n\(recover.stdout)")
        #expect(try FileTree.read(fs) == tree, "the recovered tree differs")

        // No secret in any output, file juicectl wrote, or command line of Litestream or juicefs.
        let lines = try await Shell.sh(
            "for p in $(pgrep -f '(juicefs|litestream).*\(volume.root)'); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done")
        outputs.append(("command lines", lines.stdout))
        #expect(lines.stdout.contains("litestream"), "Litestream is not running: \(lines.stdout)")
        let written =
            FileManager.default.enumerator(atPath: volume.baseDir)?.compactMap { $0 as? String }
            .filter { !$0.hasPrefix("data/") && !$0.hasPrefix("cache/") && !$0.hasPrefix("objects/") && !$0.contains(".db") } ?? []
        for path in written {
            if let text = try? String(contentsOfFile: "\(volume.baseDir)/\(path)", encoding: .utf8) { outputs.append((path, text)) }
        }
        for (what, text) in outputs {
            for secret in secrets { #expect(!text.contains(secret), "a secret appears in \(what)") }
        }
        #expect(try await juicectl("down").exitCode == 0)
    }

    @Test("a fresh volume whose S3 replica cannot be listed is not formatted: ReplicaUnreadable names the store's error")
    func unreadableReplicaBlocksFormat() async throws {
        try await withGateway { gateway in
            try await TestVolume.with("ls-s3-nobucket") { volume in
                try volume.writeSpec(
                    """
                    backup:
                      replica:
                        type: s3
                        bucket: \(gateway.bucketURL("no-such-bucket"))

                    """)
                let environment = ["AWS_ACCESS_KEY_ID": gateway.accessKey, "AWS_SECRET_ACCESS_KEY": gateway.secretKey]
                let apply = try await volume.juicectl("apply", environment: environment)
                #expect(apply.exitCode != 0, "\(apply.transcript)")
                // The ownership record is read first (before anything writes), in the same bucket: its read names the
                // store's error, as the replica's listing would.
                #expect(apply.stdout.contains("NoSuchBucket") && apply.stdout.contains("Create the bucket"), "\(apply.transcript)")
                #expect(!FileManager.default.fileExists(atPath: volume.databasePath), "a volume was formatted")
                #expect(volume.mountEntries().isEmpty)
            }
        }
    }
}
