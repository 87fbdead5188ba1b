import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Refusals, conflicts and locking against the real binary.
@Suite("Safety (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct SafetyTests {
    @Test("with the metadata gone but objects present, apply refuses to format and creates nothing")
    func refusesToFormatOverExistingData() async throws {
        try await TestVolume.with("refuse") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try Data("data".utf8).write(to: URL(fileURLWithPath: "\(volume.mountPath)/active/fs/file"))
            #expect(try await volume.juicectl("down").exitCode == 0)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: volume.databasePath + suffix) }
            // The replica is gone too: nothing to restore from.
            try? FileManager.default.removeItem(atPath: "\(volume.baseDir)/replica")
            let uuidFile = "\(volume.baseDir)/objects/refuse/juicefs_uuid"
            let uuid = try String(contentsOfFile: uuidFile, encoding: .utf8)

            let plan = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(plan.exitCode == 1, "\(plan.transcript)")
            #expect(plan.stdout.contains("formatting would create an empty filesystem over it"), "\(plan.stdout)")

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 1, "\(apply.transcript)")
            #expect(!FileManager.default.fileExists(atPath: volume.databasePath), "a metadata database was created")
            #expect(try String(contentsOfFile: uuidFile, encoding: .utf8) == uuid)
            #expect(volume.mountEntries().isEmpty)
        }
    }

    @Test("a format killed after juicefs wrote juicefs_uuid but before the metadata is completed by the next apply")
    func interruptedFormatIsCompleted() async throws {
        try await TestVolume.with("interrupted") { volume in
            // The state such a crash leaves: juicectl's intent record, and a storage holding only the UUID file
            // (juicefs format writes it before it initialises the metadata).
            let stateDir = "\(volume.baseDir)/.juicectl"
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
            try Data("{\"volume\":\"interrupted\"}".utf8).write(to: URL(fileURLWithPath: "\(stateDir)/format-intent.json"))
            let throwaway = "\(volume.root)/throwaway.db"
            let format = try await volume.juicefs(
                "format", "--storage", "file", "--bucket", "\(volume.baseDir)/objects/",
                "sqlite3://\(throwaway)", "interrupted")
            #expect(format.exitCode == 0, "\(format.transcript)")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: throwaway + suffix) }

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("complete the format juicectl started"), "\(plan.transcript)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(!FileManager.default.fileExists(atPath: "\(stateDir)/format-intent.json"))
            let aside = try FileManager.default.contentsOfDirectory(atPath: stateDir).filter {
                $0.hasPrefix("interrupted-format-juicefs_uuid.")
            }
            #expect(aside.count == 1, "the stale UUID file was not kept")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("a changed format-time setting is a conflict with an explanation, never a reformat")
    func formatSettingChangeIsAConflict() async throws {
        try await TestVolume.with("formatdrift") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let uuid = ((try volume.mountConfig()["Format"] as? [String: Any])?["UUID"] as? String)
            try volume.writeSpec("format:\n  trashDays: 1\n  compression: zstd\n")
            let plan = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(plan.exitCode == 1, "\(plan.transcript)")
            #expect(plan.stdout.contains("format.trashDays") && plan.stdout.contains("juicefs config"), "\(plan.stdout)")
            #expect(plan.stdout.contains("format.compression"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 1, "\(apply.transcript)")
            let format = try volume.mountConfig()["Format"] as? [String: Any]
            #expect(format?["UUID"] as? String == uuid)
            #expect(format?["TrashDays"] as? Int == 7)
            #expect(format?["Compression"] as? String == "none")
        }
    }

    @Test("two applies started at once are serialised: both succeed and the volume is formatted once")
    func concurrentAppliesAreSerialised() async throws {
        try await TestVolume.with("concurrent") { volume in
            async let first = volume.juicectl("apply", "--json")
            async let second = volume.juicectl("apply", "--json")
            let results = try await [first, second]
            for result in results { #expect(result.exitCode == 0, "\(result.transcript)") }
            let reports = try results.map { try JSONOutput.firstVolume($0.stdout) }
            let formats = reports.flatMap { ($0["results"] as? [[String: Any]]) ?? [] }
                .filter { $0["kind"] as? String == "format" && $0["outcome"] as? String == "done" }
            #expect(formats.count == 1, "\(results.map(\.stdout))")
            #expect(reports.contains { ($0["lockWaitMilliseconds"] as? Int ?? 0) > 0 }, "neither run waited for the lock")
            #expect(volume.mountEntries().filter { $0.mountPoint == volume.mountPath }.count == 1)
        }
    }

    @Test("a run that cannot get the lock in time fails with a message naming the holder")
    func busyLockNamesTheHolder() async throws {
        try await TestVolume.with("locked") { volume in
            let lock = try await VolumeLock.acquire(stateDir: "\(volume.baseDir)/.juicectl", operation: "test-holder", timeout: .seconds(1))
            let apply = try await volume.juicectl("apply", "--lock-timeout", "300ms")
            lock.release()
            #expect(apply.exitCode == 1, "\(apply.transcript)")
            #expect(apply.stderr.contains("locked by pid \(getpid())") && apply.stderr.contains("test-holder"), "\(apply.stderr)")
            #expect(!FileManager.default.fileExists(atPath: volume.databasePath))
        }
    }

    @Test("a missing juicefs binary is a clear error naming the setup command")
    func missingBinaryNamesTheSetupCommand() async throws {
        try await TestVolume.with("nobinary") { volume in
            let plan = try await volume.juicectl("plan", environment: ["JUICECTL_JUICEFS": "/nonexistent/juicefs"])
            #expect(plan.exitCode == 1, "\(plan.transcript)")
            #expect(plan.stderr.contains("make setup") && plan.stderr.contains("JUICECTL_JUICEFS"), "\(plan.stderr)")
            let noPath = try await volume.juicectl("plan", environment: ["PATH": "/nonexistent"])
            #expect(noPath.exitCode == 1)
            #expect(noPath.stderr.contains("juicefs not found"), "\(noPath.stderr)")
        }
    }
}
