import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// The converge loop against the real juicefs binary, real FUSE mounts, as root.
@Suite("Converge (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct ConvergeTests {
    @Test("a fresh apply formats, mounts, creates active/fs and checkpoints/, and sets 10 TiB on /active/fs")
    func freshApplyBuildsTheLayout() async throws {
        try await TestVolume.with("fresh") { volume in
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("The volume is converged."), "\(apply.transcript)")

            var isDirectory: ObjCBool = false
            for path in ["active", "active/fs", "checkpoints"] {
                #expect(
                    FileManager.default.fileExists(atPath: "\(volume.mountPath)/\(path)", isDirectory: &isDirectory)
                        && isDirectory.boolValue,
                    "\(path) missing on the volume")
            }
            let entries = volume.mountEntries().filter { $0.mountPoint == volume.mountPath }
            #expect(entries.count == 1)
            #expect(entries.first?.fstype == "fuse.juicefs")
            #expect(entries.first?.source == "JuiceFS:fresh")

            // Checked with juicefs itself, not with juicectl.
            let quota = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs")
            #expect(quota.exitCode == 0, "\(quota.transcript)")
            #expect(quota.stdout.contains("/active/fs") && quota.stdout.contains("10 TiB"), "\(quota.stdout)")

            // WAL mode and a busy timeout are in the metadata URL juicectl gives juicefs.
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            #expect(((status["conditions"] as? [[String: Any]])?.first?["status"] as? Bool) == true, "\(status)")
        }
    }

    @Test("a second apply right after the first does nothing, says so, and runs no juicefs command")
    func secondApplyIsANoOp() async throws {
        try await TestVolume.with("noop") { volume in
            let first = try await volume.juicectl("apply")
            #expect(first.exitCode == 0, "\(first.transcript)")

            let second = try await volume.juicectl("apply", "--json")
            #expect(second.exitCode == 0, "\(second.transcript)")
            let report = try JSONOutput.firstVolume(second.stdout)
            #expect((report["results"] as? [Any])?.isEmpty == true, "\(second.stdout)")
            #expect(report["converged"] as? Bool == true)

            let human = try await volume.juicectl("apply", "--verbose")
            #expect(human.stdout.contains("No changes: the volume is converged."), "\(human.transcript)")
            #expect(!human.stderr.contains("command=juicefs"), "a converged apply ran juicefs:\n\(human.stderr)")

            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            let probes = (status["observation"] as? [String: Any])?["probes"] as? [[String: Any]] ?? []
            #expect(!probes.isEmpty)
            #expect(probes.allSatisfy { !(($0["source"] as? String) ?? "").hasPrefix("juicefs ") }, "\(probes)")
        }
    }

    @Test("plan --detailed-exitcode exits 2 with changes pending and 0 when converged, and --dry-run changes nothing")
    func planExitCodes() async throws {
        try await TestVolume.with("exitcodes") { volume in
            let dryRun = try await volume.juicectl("apply", "--dry-run")
            #expect(dryRun.exitCode == 0, "\(dryRun.transcript)")
            #expect(dryRun.stdout.contains("+   format"), "\(dryRun.stdout)")
            #expect(!FileManager.default.fileExists(atPath: volume.databasePath), "dry run created the metadata database")

            let pending = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(pending.exitCode == 2, "\(pending.transcript)")
            #expect(pending.stdout.contains("Plan: 7 to create"), "\(pending.stdout)") // format, backup, mount, 3 directories, quota

            let json = try JSONOutput.object(try await volume.juicectl("plan", "--json").stdout)
            #expect(json["formatVersion"] as? Int == 1)

            #expect(try await volume.juicectl("apply").exitCode == 0)
            let converged = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(converged.exitCode == 0, "\(converged.transcript)")
        }
    }

    @Test("a quota changed in the spec is changed on the volume, and quotas: [] removes it")
    func quotaChangesReachTheVolume() async throws {
        try await TestVolume.with("quotas", extra: "quotas:\n  - path: /active/fs\n    capacity: 1GiB\n") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let first = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs")
            #expect(first.stdout.contains("1.0 GiB"), "\(first.stdout)")

            try volume.writeSpec(
                "quotas:\n  - path: /active/fs\n    capacity: 2GiB\n    inodes: 5000\n  - path: /active/fs/scratch\n    capacity: 512MiB\n")
            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("~   quota"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let changed = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs")
            #expect(changed.stdout.contains("2.0 GiB") && changed.stdout.contains("5,000"), "\(changed.stdout)")
            let scratch = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs/scratch")
            #expect(scratch.stdout.contains("512 MiB"), "\(scratch.stdout)")
            #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/active/fs/scratch"))

            // Right after the change the mount may not have loaded it yet; a second apply still does nothing.
            let again = try await volume.juicectl("apply")
            #expect(again.stdout.contains("No changes"), "\(again.transcript)")

            try volume.writeSpec("quotas: []\n")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let list = try await volume.juicefs("quota", "list", volume.metaURL)
            #expect(!list.stdout.contains("/active/fs"), "quota still listed:\n\(list.stdout)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("an invalid spec is reported with file:line:column and changes nothing on the host")
    func invalidSpecChangesNothing() async throws {
        try await TestVolume.with("invalid") { volume in
            try volume.writeSpec("mount:\n  cachesize: 10GB\nquotas:\n  - path: /active/fs\n    capacity: 10TB\n")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 1, "\(apply.transcript)")
            #expect(apply.stderr.contains("\(volume.specPath):8:15: error: quotas[0].capacity"), "\(apply.stderr)")
            #expect(apply.stderr.contains("\(volume.specPath):5:3: error: mount.cachesize: unknown key 'cachesize'"), "\(apply.stderr)")
            #expect(apply.stderr.contains("did you mean 'cacheSize'?"), "\(apply.stderr)")
            #expect(!FileManager.default.fileExists(atPath: volume.baseDir), "the base directory was created")
            #expect(volume.mountEntries().isEmpty)
        }
    }

    @Test("a base directory with spaces and non-ASCII letters converges and stays converged (mountinfo escapes)")
    func pathsWithSpacesAndUnicode() async throws {
        try await TestVolume.with("spaces", baseDirName: "vol ü dir\ttab") { volume in
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(volume.mountEntries().contains { $0.mountPoint == volume.mountPath && $0.fstype == "fuse.juicefs" })
            let again = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(again.exitCode == 0, "\(again.transcript)")
        }
    }
}
