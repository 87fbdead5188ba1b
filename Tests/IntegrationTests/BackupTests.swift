import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Litestream replication of the metadata and disaster recovery from it, with the real binaries, as root.
@Suite("Backup and disaster recovery (real juicefs and litestream, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct BackupTests {
    /// Waits until the replica has caught up with the database (BackupFresh with no lag), up to 20 s.
    func waitForReplication(_ volume: TestVolume) async throws {
        for _ in 0..<100 {
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            let backup = (status["observation"] as? [String: Any])?["backup"] as? [String: Any]
            if let local = backup?["localTXID"] as? Int, let replica = backup?["replicaTXID"] as? Int, replica >= local, replica > 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the replica did not catch up within 20 s")
    }

    func removeDatabase(_ volume: TestVolume) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: volume.databasePath + suffix) }
    }

    @Test("disaster drill: the metadata database is deleted after down; apply restores it from the replica and the tree is byte-identical")
    func disasterDrill() async throws {
        try await TestVolume.with("drill") { volume in
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(
                apply.stdout.range(of: "+   backup")!.lowerBound < apply.stdout.range(of: "+   mount")!.lowerBound,
                "Litestream must start before the mount writes")
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 300, seed: 11)
            let tree = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["kept"]).exitCode == 0)
            try await waitForReplication(volume)

            let down = try await volume.juicectl("down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            #expect(
                down.stdout.range(of: "stop backup")!.lowerBound > down.stdout.range(of: "unmount \(volume.mountPath)")!.lowerBound,
                "Litestream must stop last")
            removeDatabase(volume)

            let plan = try await volume.juicectl("plan")
            let first = plan.stdout.split(separator: "\n").dropFirst().first ?? ""
            #expect(first.contains("restore metadata"), "restore is not first:\n\(plan.stdout)")
            let recover = try await volume.juicectl("apply")
            #expect(recover.exitCode == 0, "\(recover.transcript)")
            #expect(!recover.stdout.contains("format"), "it formatted:\n\(recover.stdout)")
            #expect(try FileTree.read(fs) == tree, "the recovered tree differs")
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/kept/fs") == tree)
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("Litestream killed with -9 is restarted by the next apply, and nothing replicated before the kill is lost")
    func killedLitestreamIsRestarted() async throws {
        try await TestVolume.with("drill-kill") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 60, seed: 12)
            try await waitForReplication(volume)
            let replicated = try FileTree.read(fs)
            // More writes, and Litestream killed at once: they may not have reached the replica. The database moves on
            // without Litestream meanwhile.
            try FileTree.write("\(fs)/more", count: 100, seed: 14)
            let before = try FileTree.read(fs)
            _ = try await Shell.sh("pkill -9 -f '[l]itestream replicate -config \(volume.baseDir)/.juicectl/litestream.yml'")
            try await Task.sleep(for: .milliseconds(300))
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            let fresh = (status["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "BackupFresh" }
            #expect(fresh?["reason"] as? String == "NotRunning", "\(status)")

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("Litestream is not running"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("took a full snapshot first"), "\(apply.stdout)")
            let running = try await Shell.sh("pgrep -f '[l]itestream replicate -config \(volume.baseDir)/.juicectl/litestream.yml' | wc -l")
            #expect(running.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "not exactly one Litestream: \(running.stdout)")
            let again = try await volume.juicectl("apply")
            #expect(again.stdout.contains("No changes"), "a second apply changed something:\n\(again.stdout)")

            try FileTree.change(fs)
            let after = try FileTree.read(fs)
            try await waitForReplication(volume)
            #expect(try await volume.juicectl("down").exitCode == 0)
            removeDatabase(volume)
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let recovered = try FileTree.read(fs)
            #expect(recovered == after, "the recovered tree differs from the last replicated one")
            #expect(recovered != before && recovered != replicated)
            for (path, data) in replicated.files where after.files[path] == data {
                #expect(recovered.files[path] == data, "\(path), replicated before the kill, was lost")
            }
        }
    }

    @Test("with the database and the replica gone but the objects there, apply refuses to format and changes nothing")
    func refusesWithoutReplica() async throws {
        try await TestVolume.with("drill-refuse") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(volume.mountPath)/active/fs/x"))
            #expect(try await volume.juicectl("down").exitCode == 0)
            removeDatabase(volume)
            try FileManager.default.removeItem(atPath: "\(volume.baseDir)/replica")
            let objectsBefore = try FileManager.default.subpathsOfDirectory(atPath: "\(volume.baseDir)/objects").sorted()

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 1, "\(apply.transcript)")
            #expect(
                apply.stdout.contains("RefuseFormatOverData") || apply.stdout.contains("formatting would create an empty filesystem"),
                "\(apply.stdout)")
            #expect(!FileManager.default.fileExists(atPath: volume.databasePath))
            #expect(try FileManager.default.subpathsOfDirectory(atPath: "\(volume.baseDir)/objects").sorted() == objectsBefore)
            #expect(volume.mountEntries().isEmpty)
            let litestream = try await Shell.sh("pgrep -f '[l]itestream replicate -config \(volume.baseDir)/' | wc -l")
            #expect(litestream.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "Litestream was started")
        }
    }

    @Test("backup verify passes on a good replica and fails with a clear message on a damaged one, without touching the volume")
    func verify() async throws {
        try await TestVolume.with("drill-verify") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try FileTree.write("\(volume.mountPath)/active/fs", count: 20, seed: 13)
            try await waitForReplication(volume)
            let good = try await volume.juicectl("backup", "verify")
            #expect(good.exitCode == 0, "\(good.transcript)")
            #expect(good.stdout.contains("backup OK") && good.stdout.contains("integrity check"), "\(good.stdout)")

            #expect(try await volume.juicectl("down").exitCode == 0)
            let databaseBefore = try Data(contentsOf: URL(fileURLWithPath: volume.databasePath))
            // Damage every LTX file of the replica.
            let replica = "\(volume.baseDir)/replica"
            for path in try FileManager.default.subpathsOfDirectory(atPath: replica) where path.hasSuffix(".ltx") {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(replica)/\(path)"))
                try handle.seek(toOffset: 100)
                try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
                try handle.close()
            }
            let bad = try await volume.juicectl("backup", "verify")
            #expect(bad.exitCode == 1, "\(bad.transcript)")
            #expect(bad.stdout.contains("backup NOT OK") && bad.stdout.contains("cannot be restored"), "\(bad.stdout)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: volume.databasePath)) == databaseBefore, "verify touched the live database")
        }
    }
}
