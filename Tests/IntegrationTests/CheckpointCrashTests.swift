import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A process killed (SIGKILL) at every step boundary of create, delete and restore; the next `apply` converges and
/// nothing is lost. The boundaries are `FaultPoint`s, honoured by debug builds only.
@Suite("Checkpoint crash safety (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct CheckpointCrashTests {
    static let createPoints = FaultPoint.all.filter { $0.hasPrefix("checkpoint.") }
    static let deletePoints = FaultPoint.all.filter { $0.hasPrefix("delete.") }
    static let restorePoints = FaultPoint.all.filter { $0.hasPrefix("restore.") }

    @Test("a create killed at any step leaves no checkpoint or a complete one, and the next apply cleans up", arguments: createPoints)
    func createKilledAtEveryStep(point: String) async throws {
        try await TestVolume.with("crash-create") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 50, seed: 3)
            let tree = try FileTree.read(fs)

            let killed = try await volume.juicectl(
                "checkpoint", "create", spec: true, extra: ["c1"], environment: ["JUICECTL_FAULT_AT": point])
            #expect(killed.termination == .signaled(9), "\(killed.transcript)")

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            try expectCleanBookkeeping(volume)
            #expect(try FileTree.read(fs) == tree, "/active changed")
            let exists = FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/c1")
            #expect(exists == (point == "checkpoint.after-rename"), "at \(point), the checkpoint exists: \(exists)")
            if exists {
                #expect(try FileTree.read("\(volume.mountPath)/checkpoints/c1/fs") == tree)
                #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/.juicectl/manifests/c1.json"))
            } else {
                let again = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["c1"])
                #expect(again.exitCode == 0, "\(again.transcript)")
                #expect(try FileTree.read("\(volume.mountPath)/checkpoints/c1/fs") == tree)
            }
        }
    }

    @Test("a delete killed at any step is finished by the next apply", arguments: deletePoints)
    func deleteKilledAtEveryStep(point: String) async throws {
        try await TestVolume.with("crash-delete") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try FileTree.write("\(volume.mountPath)/active/fs", count: 30, seed: 4)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["gone"]).exitCode == 0)
            let killed = try await volume.juicectl(
                "checkpoint", "delete", spec: true, extra: ["gone"], environment: ["JUICECTL_FAULT_AT": point])
            #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/gone"),
                "the checkpoint is gone from the first step")

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            try expectCleanBookkeeping(volume)
            let list = try JSONOutput.object(try await volume.juicectl("checkpoint", "list", spec: true, extra: ["--json"]).stdout)
            #expect((list["checkpoints"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a restore killed at any step is rolled back before the swap and completed after it; no tree is lost", arguments: restorePoints)
    func restoreKilledAtEveryStep(point: String) async throws {
        try await TestVolume.with("crash-restore") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 60, seed: 5)
            let saved = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["saved"]).exitCode == 0)
            try FileTree.change(fs)
            let live = try FileTree.read(fs)

            let killed = try await volume.juicectl("restore", spec: true, extra: ["saved"], environment: ["JUICECTL_FAULT_AT": point])
            #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/active/fs"), "no /active after the crash at \(point)")

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("resume restore"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            try expectCleanBookkeeping(volume)

            let swapped = ["restore.after-exchange", "restore.after-aside", "restore.after-quotas", "restore.after-lineage"].contains(point)
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints").filter { !$0.hasPrefix(".") }
            let asides = names.filter { $0.hasPrefix("pre-restore-") }
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/saved/fs") == saved, "the checkpoint changed")
            if swapped {
                #expect(try FileTree.read(fs) == saved, "completed restore: /active is the checkpoint")
                #expect(asides.count == 1)
                if let aside = asides.first {
                    #expect(try FileTree.read("\(volume.mountPath)/checkpoints/\(aside)/fs") == live, "the replaced tree was lost")
                }
            } else {
                #expect(try FileTree.read(fs) == live, "rolled-back restore: /active is untouched")
                #expect(asides.isEmpty, "\(names)")
            }
            let quotas = try await volume.juicefs("quota", "list", volume.metaURL)
            #expect(QuotaPaths.parse(quotas.stdout) == ["/active/fs"], "\(quotas.stdout)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("juicectl and its juicefs clone killed with SIGKILL in the middle of a restore: the next apply converges without loss")
    func restoreKilledDuringTheClone() async throws {
        try await TestVolume.with("crash-clone") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 3000, seed: 6)
            let saved = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["big"]).exitCode == 0)
            try FileTree.change(fs)
            let live = try FileTree.read(fs)

            async let restore = volume.juicectl("restore", spec: true, extra: ["big"])
            try await Task.sleep(for: .milliseconds(150))
            _ = try await Shell.sh("pkill -9 -f 'juicectl restore \(volume.specPath)'; pkill -9 -f 'juicefs clone.*\(volume.root)'; true")
            _ = try await restore

            // The clone runs inside the mount process, which finishes it after its client died: its staging tree can
            // appear after the first apply rolled the restore back. Later applies remove it; three are plenty.
            for _ in 0..<3 {
                let apply = try await volume.juicectl("apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                try await Task.sleep(for: .seconds(2))
                if try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0 { break }
            }
            try expectCleanBookkeeping(volume)
            let now = try FileTree.read(fs)
            #expect(now == saved || now == live, "/active is neither tree")
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/big/fs") == saved)
            if now == saved {
                let aside = try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints").first {
                    $0.hasPrefix("pre-restore-")
                }
                #expect(try FileTree.read("\(volume.mountPath)/checkpoints/\(try #require(aside))/fs") == live)
            }
        }
    }

    /// No journal, no staging or trash entry, no manifest without its checkpoint.
    func expectCleanBookkeeping(_ volume: TestVolume) throws {
        let base = "\(volume.mountPath)/checkpoints/.juicectl"
        #expect(!FileManager.default.fileExists(atPath: "\(base)/restore.json"), "the restore journal is left")
        for folder in ["staging", "trash"] {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(folder)")) ?? []
            #expect(left.isEmpty, "\(folder) holds \(left)")
        }
        let manifests = (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/manifests")) ?? []
        for manifest in manifests where manifest.hasSuffix(".json") {
            let name = String(manifest.dropLast(5))
            #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/\(name)"), "orphan manifest \(manifest)")
        }
    }
}
