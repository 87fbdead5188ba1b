import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A restore whose checkpoint holds a tenant's symbolic link where a quota directory's parent belongs, and damaged
/// bookkeeping: nothing is made outside the volume, the restore completes and reads Degraded, and checkpoints and
/// restores keep working (real juicefs, as root).
@Suite(
    "Restores completed with a shortfall, and damaged bookkeeping repaired (real juicefs, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct RestoreShortfallTests {
    static let linkedQuota = """
        quotas:
          - path: /active/fs
            capacity: 10TiB
          - path: /active/fs/x/y
            capacity: 1GiB

        """

    static func degraded(_ volume: TestVolume) async throws -> [String: Any]? {
        let status = try await volume.juicectl("status", "--json")
        let conditions = try JSONOutput.firstVolume(status.stdout)["conditions"] as? [[String: Any]] ?? []
        return conditions.first { $0["type"] as? String == "Degraded" }
    }

    @Test(
        """
        a checkpoint with a link where a quota's parent belongs: restored with a writer running, nothing made outside, completed, \
        Degraded naming the quota, and checkpoints and restores still work
        """
    )
    func restoreThroughALinkCompletesDegraded() async throws {
        try await TestVolume.with("hb-restore-link") { volume in
            try #require(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            let outside = "\(volume.root)/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try "checkpointed\n".write(toFile: "\(fs)/state.txt", atomically: false, encoding: .utf8)
            // The tenant's link, taken into the checkpoint.
            try FileManager.default.createSymbolicLink(atPath: "\(fs)/x", withDestinationPath: outside)
            let checkpoint = try await volume.juicectl("checkpoint", "create", extra: ["linked"])
            try #require(checkpoint.exitCode == 0, "\(checkpoint.transcript)")
            // Today's tree has a real directory there, and the spec a quota below it.
            try FileManager.default.removeItem(atPath: "\(fs)/x")
            try volume.writeSpec(Self.linkedQuota)
            let converge = try await volume.juicectl("apply")
            try #require(converge.exitCode == 0, "\(converge.transcript)")
            try #require(FileManager.default.fileExists(atPath: "\(fs)/x/y"))

            // A writer working in the tree; the restore terminates it first.
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: "/bin/sh")
            writer.arguments = ["-c", "cd \"$0\" && while :; do date >> writer.log; sleep 0.05; done", fs]
            try writer.run()
            defer { if writer.isRunning { kill(writer.processIdentifier, SIGKILL) } }
            let writing = await Wait.until(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: "\(fs)/writer.log") }
            try #require(writing)

            let restore = try await volume.juicectl("restore", extra: ["linked", "--terminate-users", "--grace", "1s"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            #expect(restore.stdout.contains("RestoreQuotaPathIsSymbolicLink"), "\(restore.transcript)")
            let ended = await Wait.until(timeout: .seconds(5)) { !writer.isRunning }
            #expect(ended, "the writer still runs")

            let outsideNow = try FileManager.default.contentsOfDirectory(atPath: outside)
            #expect(outsideNow.isEmpty, "root made something outside the volume: \(outsideNow)")
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fs)/x")
            #expect(link == outside, "the restored tree is not at /active")
            #expect((try? String(contentsOfFile: "\(fs)/state.txt", encoding: .utf8)) == "checkpointed\n")
            #expect(
                !FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/.juicectl/restore.json"),
                "the restore journal stayed")

            let degraded = try #require(try await Self.degraded(volume))
            #expect(degraded["status"] as? Bool == true, "\(degraded)")
            #expect(degraded["reason"] as? String == "RestoreQuotaPathIsSymbolicLink", "\(degraded)")
            #expect((degraded["message"] as? String)?.contains("/active/fs/x/y") == true, "\(degraded)")

            let after = try await volume.juicectl("checkpoint", "create", extra: ["after"])
            #expect(after.exitCode == 0, "a checkpoint after the restore: \(after.transcript)")
            let again = try await volume.juicectl("restore", extra: ["after"])
            #expect(again.exitCode == 0, "a restore after the restore: \(again.transcript)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        }
    }

    @Test(
        """
        an empty lineage and an undecodable journal are BookkeepingDamaged in plan and status; apply or the next checkpoint repairs \
        them, keeping the damaged files
        """
    )
    func damagedBookkeepingIsRepaired() async throws {
        try await TestVolume.with("hb-bookkeeping") { volume in
            try #require(try await volume.juicectl("apply").exitCode == 0)
            try #require(try await volume.juicectl("checkpoint", "create", extra: ["c1"]).exitCode == 0)
            let bookkeeping = "\(volume.mountPath)/checkpoints/.juicectl"
            try Data().write(to: URL(fileURLWithPath: "\(bookkeeping)/lineage.json"))

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("lineage.json is empty") && plan.stdout.contains("repair bookkeeping"), "\(plan.transcript)")
            let planJSON = try await volume.juicectl("plan", "--json")
            #expect(
                planJSON.stdout.contains("\"BookkeepingDamaged\"") && planJSON.stdout.contains("repair-bookkeeping"),
                "\(planJSON.transcript)")
            #expect(try await Self.degraded(volume)?["reason"] as? String == "BookkeepingDamaged")
            // A checkpoint repairs it first (as it completes an interrupted restore first), then runs.
            let checkpoint = try await volume.juicectl("checkpoint", "create", extra: ["c2"])
            #expect(
                checkpoint.exitCode == 0
                    && checkpoint.stdout.contains(
                        "rebuilt /checkpoints/.juicectl/lineage.json from 1 manifest(s): /active descends from c1"),
                "\(checkpoint.transcript)")
            let lineage = try JSONOutput.object(String(contentsOfFile: "\(bookkeeping)/lineage.json", encoding: .utf8))
            #expect(lineage["activeParent"] as? String == "c2", "\(lineage)")

            try "{\"checkpoint\": \"c1\", ".write(toFile: "\(bookkeeping)/restore.json", atomically: false, encoding: .utf8)
            let journalPlan = try await volume.juicectl("plan")
            #expect(
                journalPlan.stdout.contains("restore.json cannot be decoded") && journalPlan.stdout.contains("/active is a directory"),
                "\(journalPlan.transcript)")
            #expect(try await Self.degraded(volume)?["reason"] as? String == "BookkeepingDamaged")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0 && apply.stdout.contains("moved the undecodable journal"), "\(apply.transcript)")
            #expect(!FileManager.default.fileExists(atPath: "\(bookkeeping)/restore.json"))
            let kept = try FileManager.default.contentsOfDirectory(atPath: bookkeeping)
            #expect(
                kept.contains { $0.hasPrefix("restore.json.damaged-") } && kept.contains { $0.hasPrefix("lineage.json.damaged-") },
                "\(kept)")
            let restore = try await volume.juicectl("restore", extra: ["c1"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }
}
