import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Checkpoints against the real juicefs binary, as root.
@Suite("Checkpoints (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct CheckpointTests {
    @Test("a tree is checkpointed, changed, restored byte-identical, and the changed tree is kept as a pre-restore checkpoint")
    func checkpointAndRestoreRoundTrip() async throws {
        try await TestVolume.with("roundtrip") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 200, seed: 1)
            let original = try FileTree.read(fs)

            let create = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["v1", "--note", "before the change"])
            #expect(create.exitCode == 0, "\(create.transcript)")
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/v1/fs") == original)

            try FileTree.change(fs)
            let changed = try FileTree.read(fs)
            #expect(changed != original)

            let restore = try await volume.juicectl("restore", spec: true, extra: ["v1"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            #expect(try FileTree.read("\(volume.mountPath)/active/fs") == original, "the restored tree differs from the checkpoint")
            let listing = try JSONOutput.object(try await volume.juicectl("checkpoint", "list", spec: true, extra: ["--json"]).stdout)
            let entries = listing["checkpoints"] as? [[String: Any]] ?? []
            let aside = try #require(entries.first { $0["kind"] as? String == "pre-restore" }?["name"] as? String)
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/\(aside)/fs") == changed, "the replaced tree was not kept intact")
            #expect(listing["activeParent"] as? String == "v1")
            #expect(entries.first { $0["name"] as? String == "v1" }?["note"] as? String == "before the change")

            // Quotas: exactly the spec's, on the live path; none left on the replaced tree.
            let quotas = try await volume.juicefs("quota", "list", volume.metaURL)
            #expect(QuotaPaths.parse(quotas.stdout) == ["/active/fs"], "\(quotas.stdout)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test(
        "every invalid checkpoint name is rejected before anything happens",
        arguments: [
            "", ".hidden", "-dash", "_under", "a/b", "../x", "..", "with space", "ünïcode", String(repeating: "x", count: 129), "tab\tname",
        ])
    func invalidNamesChangeNothing(name: String) async throws {
        try await TestVolume.with("badnames") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let before = try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints").sorted()
            // `--` so that a name starting with a dash reaches the name check instead of the option parser.
            let result = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["--", name])
            #expect(result.exitCode != 0, "\(result.transcript)")
            #expect(result.stderr.contains("invalid checkpoint name"), "\(result.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints").sorted() == before)
        }
    }

    @Test("creating an existing name is an error, a pinned checkpoint needs --force to go, and delete names the trash days")
    func existingNamesAndPinnedCheckpoints() async throws {
        try await TestVolume.with("pinned") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["keep", "--pin"]).exitCode == 0)
            let again = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["keep"])
            #expect(again.exitCode == 1 && again.stdout.contains("already exists"), "\(again.transcript)")

            let refused = try await volume.juicectl("checkpoint", "delete", spec: true, extra: ["keep"])
            #expect(refused.exitCode == 1 && refused.stdout.contains("pinned"), "\(refused.transcript)")
            #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/keep"))

            let forced = try await volume.juicectl("checkpoint", "delete", spec: true, extra: ["keep", "--force"])
            #expect(forced.exitCode == 0, "\(forced.transcript)")
            #expect(forced.stdout.contains("trash days (7)"), "\(forced.stdout)")
            #expect(!FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/keep"))
            #expect(!FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/.juicectl/manifests/keep.json"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints/.juicectl/trash").isEmpty)
        }
    }

    @Test("a declarative restore request runs once per request id; re-applying the same spec never restores twice")
    func declarativeRestoreRunsOncePerRequest() async throws {
        try await TestVolume.with("declarative") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 20, seed: 2)
            let original = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["base"]).exitCode == 0)
            try FileTree.change(fs)

            try volume.writeSpec("restore:\n  checkpoint: base\n  requestId: first\n")
            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("restore request first has not been applied"), "\(plan.stdout)")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(try FileTree.read(fs) == original)

            try Data("after".utf8).write(to: URL(fileURLWithPath: "\(fs)/after.txt"))
            let again = try await volume.juicectl("apply")
            #expect(again.stdout.contains("No changes"), "\(again.transcript)")
            #expect(FileManager.default.fileExists(atPath: "\(fs)/after.txt"), "the same request restored twice")

            try volume.writeSpec("restore:\n  checkpoint: base\n  requestId: second\n")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(!FileManager.default.fileExists(atPath: "\(fs)/after.txt"))
            let missing = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(missing.exitCode == 0, "\(missing.transcript)")
        }
    }

    @Test("a scheduled checkpoint is taken once for its slot, and retention prunes by its rules with reasons")
    func scheduleAndRetention() async throws {
        try await TestVolume.with("retention") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            // Six scheduled checkpoints, a day apart at noon, the newest yesterday; one manual, older than all.
            for name in ["s1", "s2", "s3", "s4", "s5", "s6", "manual-old"] {
                #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: [name]).exitCode == 0)
            }
            let calendar = Calendar.utc
            let today = calendar.startOfDay(for: Date())
            for (index, name) in ["s1", "s2", "s3", "s4", "s5", "s6"].enumerated() {
                let date = calendar.date(byAdding: DateComponents(day: -(6 - index), hour: 12), to: today)!
                try rewriteManifest(volume, name) {
                    $0.createdAt = date
                    $0.kind = .scheduled
                }
            }
            try rewriteManifest(volume, "manual-old") { $0.createdAt = calendar.date(byAdding: .day, value: -30, to: today)! }

            try volume.writeSpec("checkpoints:\n  schedule: \"@daily\"\n  retain:\n    last: 1\n    daily: 3\n")
            let plan = try await volume.juicectl("plan", "--json")
            let actions = (try JSONOutput.firstVolume(plan.stdout)["actions"] as? [[String: Any]]) ?? []
            let deletes = actions.filter { $0["kind"] as? String == "delete-checkpoint" }.compactMap { $0["target"] as? String }.sorted()
            // Today's slot is due (the newest scheduled is yesterday noon): the new one is the newest; daily 3 keeps it,
            // s6 and s5; last 1 is the new one. s1..s4 go; the manual one stays.
            #expect(deletes == ["s1", "s2", "s3", "s4"], "\(plan.stdout)")
            #expect(actions.contains { $0["kind"] as? String == "create-checkpoint" })
            #expect(
                actions.allSatisfy {
                    $0["kind"] as? String != "delete-checkpoint" || ($0["reason"] as? String ?? "").contains("no rule keeps it")
                })

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints").filter { !$0.hasPrefix(".") }
                .sorted()
            #expect(names.contains("manual-old") && names.contains("s5") && names.contains("s6"))
            #expect(!names.contains("s1") && !names.contains("s4"))
            #expect(names.filter { $0.hasPrefix("auto-") }.count == 1, "\(names)")
            #expect(
                try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0,
                "the slot was taken twice or retention is not stable")
        }
    }

    @Test("the library API checkpoints, lists, restores and deletes")
    func libraryAPI() async throws {
        try Prerequisites.require()
        let root = "/tmp/juicectl-it/library-ck"
        try? FileManager.default.removeItem(atPath: root)
        let volume = try JuiceFS(config: .init(baseDir: "\(root)/base", volumeName: "library-ck", juicefsPath: Prerequisites.juicefs))
        do {
            try await volume.start()
            let fs = "\(root)/base/data/active/fs"
            try Data("v1".utf8).write(to: URL(fileURLWithPath: "\(fs)/file"))
            try await volume.checkpoint("one", note: "first")
            try Data("v2".utf8).write(to: URL(fileURLWithPath: "\(fs)/file"))
            try await volume.restore("one")
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(fs)/file")) == Data("v1".utf8))
            let names = try await volume.checkpoints().map(\.name)
            #expect(names.first == "one" && names.count == 2, "\(names)")
            try await volume.deleteCheckpoint("one")
            #expect(try await volume.checkpoints().map(\.name).count == 1)
            await #expect(throws: JuiceFS.Failure.self) { try await volume.restore("one") }
            try await volume.stop()
        } catch {
            _ = try? await volume.stop()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    func rewriteManifest(_ volume: TestVolume, _ name: String, _ change: (inout CheckpointManifest) -> Void) throws {
        let path = "\(volume.mountPath)/checkpoints/.juicectl/manifests/\(name).json"
        var manifest = try CheckpointManifest.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&manifest)
        try manifest.encoded().write(to: URL(fileURLWithPath: path))
    }
}

/// The paths of a `juicefs quota list` table.
enum QuotaPaths {
    static func parse(_ table: String) -> [String] {
        table.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = cells.first, first.hasPrefix("/") else { return nil }
            return first
        }.sorted()
    }
}
