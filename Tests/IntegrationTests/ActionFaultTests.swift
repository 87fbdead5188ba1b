import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Every action kind the executor has, cut short three ways (`JUICECTL_FAULT_ACTION`, debug builds): its first
/// external program fails, its first external program is killed with SIGKILL, or juicectl itself is killed with
/// SIGKILL right after the action. Then `apply` (and `down`, for the actions of `down`) runs again, and the volume
/// must converge with every tree byte-identical: nothing the spec did not ask to destroy is lost.
@Suite(
    "Fault injection over every action kind (real juicefs, litestream, loop, ext4, overlayfs, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct ActionFaultTests {
    /// How a scenario brings the volume to the point where `command` runs the action.
    enum Scenario: String, CaseIterable, Sendable {
        case format, startBackup, mount, createDirectory, setQuota, removeQuota, remountInPlace, remount, recoverStaleMount
        case unmount, stopBackup, restartBackup, restoreMetadata
        case createCheckpoint, deleteCheckpoint, restore, resumeRestore, removeLeftover, repairBookkeeping, secureDirectory
        case createOverlayImage, mountOverlayUpper, mountOverlay, thawOverlay, quarantineOverlayImage
        case unmountOverlay, unmountOverlayUpper, detachLoopDevice, thawCgroups
        case claimOwnership, releaseOwnership, fenceVolume, refreshMetadata, flushStaging

        /// The action kind the fault targets.
        var kind: Action.Kind {
            switch self {
            case .format: .format
            case .startBackup: .startBackup
            case .mount: .mount
            case .createDirectory: .createDirectory
            case .setQuota: .setQuota
            case .removeQuota: .removeQuota
            case .remountInPlace: .remountInPlace
            case .remount: .remount
            case .recoverStaleMount: .recoverStaleMount
            case .unmount: .unmount
            case .stopBackup: .stopBackup
            case .restartBackup: .restartBackup
            case .restoreMetadata: .restoreMetadata
            case .createCheckpoint: .createCheckpoint
            case .deleteCheckpoint: .deleteCheckpoint
            case .restore: .restore
            case .resumeRestore: .resumeRestore
            case .removeLeftover: .removeLeftover
            case .repairBookkeeping: .repairBookkeeping
            case .secureDirectory: .secureDirectory
            case .createOverlayImage: .createOverlayImage
            case .mountOverlayUpper: .mountOverlayUpper
            case .mountOverlay: .mountOverlay
            case .thawOverlay: .thawOverlay
            case .quarantineOverlayImage: .quarantineOverlayImage
            case .unmountOverlay: .unmountOverlay
            case .unmountOverlayUpper: .unmountOverlayUpper
            case .detachLoopDevice: .detachLoopDevice
            case .thawCgroups: .thawCgroups
            case .claimOwnership: .claimOwnership
            case .releaseOwnership: .releaseOwnership
            case .fenceVolume: .fenceVolume
            case .refreshMetadata: .refreshMetadata
            case .flushStaging: .flushStaging
            }
        }

        /// Actions that run no external program (host calls only) can only be cut short by killing juicectl.
        var runsAProgram: Bool {
            switch self {
            case .createDirectory, .resumeRestore, .quarantineOverlayImage, .thawCgroups, .repairBookkeeping, .secureDirectory: false
            default: true
            }
        }

        var overlay: Bool {
            switch self {
            case .createOverlayImage, .mountOverlayUpper, .mountOverlay, .thawOverlay, .quarantineOverlayImage,
                .unmountOverlay, .unmountOverlayUpper, .detachLoopDevice:
                true
            default: false
            }
        }

        /// The actions of `juicectl down`: recovered by running `down` again, then `apply`.
        var isDown: Bool {
            [.unmount, .stopBackup, .unmountOverlay, .unmountOverlayUpper, .releaseOwnership, .flushStaging].contains(self)
        }

        /// Scenarios of a volume another host could pick up: an S3 replica on a gateway on loopback.
        var movable: Bool { [.claimOwnership, .releaseOwnership, .fenceVolume, .refreshMetadata].contains(self) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var scenario: Scenario
        var mode: String
        var testDescription: String { "\(scenario.kind.rawValue) \(mode)" }
    }

    static let cases: [Case] = Scenario.allCases.flatMap { scenario in
        (scenario.runsAProgram ? ["fail", "kill", "crash-after"] : ["crash-after"]).map { Case(scenario: scenario, mode: $0) }
    }

    /// The trees that must survive: `/active/fs`, and each checkpoint's `fs`.
    struct Snapshot: Equatable {
        var trees: [String: FileTree]
    }

    static func snapshot(_ volume: TestVolume) throws -> Snapshot {
        var trees = ["active": try FileTree.read("\(volume.mountPath)/active/fs")]
        let checkpoints = "\(volume.mountPath)/checkpoints"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? [] where !name.hasPrefix(".") {
            if FileManager.default.fileExists(atPath: "\(checkpoints)/\(name)/fs") {
                trees[name] = try FileTree.read("\(checkpoints)/\(name)/fs")
            }
        }
        return Snapshot(trees: trees)
    }

    @Test("the scenarios cover every action kind the executor has")
    func everyKindIsCovered() {
        #expect(Set(Scenario.allCases.map(\.kind)) == Set(Action.Kind.allCases))
    }

    @Test("an action cut short is converged by the next run, and no tree is lost", arguments: cases)
    func faultIsRecovered(_ fault: Case) async throws {
        if fault.scenario.movable {
            let gateway = try S3Gateway()
            try await gateway.start()
            do {
                try await gateway.makeBucket("fault-replicas")
                try await Self.recover(fault, cgroup: nil, gateway: gateway)
            } catch {
                await gateway.stop()
                throw error
            }
            await gateway.stop()
            return
        }
        guard fault.scenario == .thawCgroups else { return try await Self.recover(fault, cgroup: nil) }
        try await SandboxCgroup.with(.v1, "fault") { cgroup in
            try cgroup.start("/bin/sleep", ["1000"])
            try await Self.recover(fault, cgroup: cgroup)
        }
    }

    /// The spec keys of an S3 replica on `gateway`, with the secret key in a file under `root`.
    static func s3Replica(_ gateway: S3Gateway, root: String) throws -> String {
        let secret = "\(root)/s3-secret"
        try (gateway.secretKey + "\n").write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        return """
            backup:
              replica:
                type: s3
                bucket: \(gateway.bucketURL("fault-replicas"))
                prefix: faults/\(UUID().uuidString.prefix(8).lowercased())
                accessKey: {env: JUICECTL_IT_S3_KEY}
                secretKey: {file: \(secret)}

            """
    }

    static func recover(_ fault: Case, cgroup: SandboxCgroup?, gateway: S3Gateway? = nil) async throws {
        try await TestVolume.with("fault-\(fault.scenario.kind.rawValue)") { volume in
            let paths = OverlayPaths(volume)
            let s3 = try gateway.map { try s3Replica($0, root: volume.root) }
            let writeback = "mount:\n  writeback: true\n  uploadDelay: 1h\n"
            let overlaySpec = fault.scenario.overlay ? paths.spec : fault.scenario == .flushStaging ? writeback : (s3 ?? "")
            let base = gateway.map { ["JUICECTL_IT_S3_KEY": $0.accessKey] } ?? [:]
            if fault.scenario.overlay {
                try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
                try "lower\n".write(toFile: "\(paths.lower)/lower.txt", atomically: false, encoding: .utf8)
            }
            try volume.writeSpec(overlaySpec)
            func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
                try await Shell.run(Prerequisites.juicectl!, arguments, environment: base.merging(environment) { $1 })
            }
            /// Another host of the same volume: a spec naming another base directory (it starts nothing here).
            func otherHost() throws -> String {
                let other = "\(volume.root)/spec-b.yaml"
                let text = try String(contentsOfFile: volume.specPath, encoding: .utf8)
                    .replacingOccurrences(of: "baseDir: \"\(volume.baseDir)\"", with: "baseDir: \"\(volume.root)/base-b\"")
                try text.write(toFile: other, atomically: true, encoding: .utf8)
                return other
            }
            /// Waits until the replica has everything the database has (status says so), after Litestream's sync.
            func replicated() async throws {
                try await Task.sleep(for: .seconds(3))
                let caught = await Wait.until(timeout: .seconds(30)) {
                    guard let text = try? await run(["status", "--json", spec]).stdout, let status = try? JSONOutput.firstVolume(text),
                        let backup = (status["observation"] as? [String: Any])?["backup"] as? [String: Any],
                        let local = backup["localTXID"] as? Int, let replica = backup["replicaTXID"] as? Int
                    else { return false }
                    return replica >= local && replica > 0
                }
                #expect(caught, "the replica did not catch up")
            }
            func must(_ arguments: String..., environment: [String: String] = [:]) async throws {
                let result = try await run(arguments, environment: environment)
                #expect(result.exitCode == 0, "setup \(arguments.joined(separator: " ")): \(result.transcript)")
            }
            let spec = volume.specPath
            let fs = "\(volume.mountPath)/active/fs"

            // Bring the volume to where `command` runs the action; `before` is what must survive.
            var command = ["apply", spec]
            var finalSpec = overlaySpec
            /// Commands run before the recovering apply (another host's down).
            var recoveries: [[String]] = []
            var before: Snapshot?
            switch fault.scenario {
            case .format, .startBackup, .createDirectory, .secureDirectory, .setQuota, .createOverlayImage, .mountOverlayUpper,
                .mountOverlay, .claimOwnership:
                break // a fresh volume: the first apply runs them all
            default:
                try await must("apply", spec)
                try FileTree.write(fs, count: 40, seed: 77)
                before = try Self.snapshot(volume)
            }
            switch fault.scenario {
            case .mount:
                try await must("down", spec)
            case .removeQuota:
                finalSpec = "quotas: []\n"
            case .remountInPlace:
                finalSpec = "mount:\n  options:\n    heartbeat: 3s\n"
            case .remount:
                finalSpec = "mount:\n  options:\n    enable-xattr: true\n"
            case .recoverStaleMount:
                _ = try await Shell.sh("pkill -9 -f -- '--lo[g]=\(volume.baseDir)/logs/juicefs.log'; sleep 1")
            case .unmount, .stopBackup, .unmountOverlay, .unmountOverlayUpper, .releaseOwnership:
                command = ["down", spec]
            case .flushStaging:
                // Blocks staged by writeback (an upload delay of an hour keeps them staged) for down to upload.
                _ = try await Shell.sh("dd if=/dev/urandom of='\(fs)/staged.bin' bs=1M count=8 conv=fsync status=none")
                before = try Self.snapshot(volume)
                command = ["down", spec]
            case .fenceVolume:
                // Another host takes the volume over; this host's next apply fences it. Recovered when that host
                // lets go (its down releases), so that this host owns the volume again.
                try await replicated()
                let other = try otherHost()
                try await must("takeover", "--yes", other)
                recoveries = [["down", other]]
            case .refreshMetadata:
                // Another host owned the volume since (a takeover, then its down): the next apply here starts
                // from the replica.
                try await replicated()
                try await must("down", spec)
                let other = try otherHost()
                try await must("takeover", "--yes", other)
                try await must("down", other)
            case .restartBackup:
                finalSpec = "backup:\n  syncInterval: 2s\n"
            case .restoreMetadata:
                try await must("down", spec)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: volume.databasePath + suffix) }
            case .createCheckpoint:
                command = ["checkpoint", "create", spec, "c1"]
            case .deleteCheckpoint:
                try await must("checkpoint", "create", spec, "c1")
                command = ["checkpoint", "delete", spec, "c1"]
            case .restore:
                try await must("checkpoint", "create", spec, "c1")
                try FileTree.change(fs)
                before = try Self.snapshot(volume)
                command = ["restore", spec, "c1"]
            case .resumeRestore:
                try await must("checkpoint", "create", spec, "c1")
                try FileTree.change(fs)
                before = try Self.snapshot(volume)
                let killed = try await run(["restore", spec, "c1"], environment: ["JUICECTL_FAULT_AT": "restore.after-exchange"])
                #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            case .repairBookkeeping:
                // An empty lineage: the next apply rebuilds it from the manifests.
                try await must("checkpoint", "create", spec, "c1")
                before = try Self.snapshot(volume)
                try Data().write(to: URL(fileURLWithPath: "\(volume.mountPath)/checkpoints/.juicectl/lineage.json"))
            case .removeLeftover:
                let killed = try await run(
                    ["checkpoint", "create", spec, "c1"], environment: ["JUICECTL_FAULT_AT": "checkpoint.after-clone"])
                #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            case .thawOverlay:
                // Its watchdog thaws a freeze whose juicectl died at once: it has to go too, for a freeze to stay.
                try await volume.killInsideFreeze(
                    ["checkpoint", "create", spec, "c1"], at: "overlay.after-freeze", marker: "overlay-frozen")
            case .thawCgroups:
                let quiesce = "checkpoints:\n  quiesce:\n    cgroups: [\"\(cgroup?.path ?? "")\"]\n    maxFrozen: 60s\n"
                try volume.writeSpec(quiesce)
                finalSpec = quiesce
                try await volume.killInsideFreeze(["checkpoint", "create", spec, "c1"], at: "quiesce.after-freeze", marker: "freeze.json")
                #expect(cgroup?.isFrozen == true, "the sandbox is not left frozen")
            case .quarantineOverlayImage:
                // The overlay away, the image's superblock damaged, the overlay asked for again: its mount fails
                // and is recorded; the next apply moves the image aside.
                try volume.writeSpec("")
                try await must("apply", spec)
                let image = "\(volume.mountPath)/active/root-upper.img"
                _ = try await Shell.sh("dd if=/dev/zero of='\(image)' bs=1024 seek=1 count=8 conv=notrunc,fsync 2>&1")
                try volume.writeSpec(overlaySpec)
                _ = try await run(["apply", spec])
                finalSpec = overlaySpec + "  onCorrupt: recreate\n"
            case .detachLoopDevice:
                try await must("checkpoint", "create", spec, "c1")
                before = try Self.snapshot(volume)
                let attach = try await Shell.sh("losetup -f --show '\(volume.mountPath)/checkpoints/c1/root-upper.img'")
                #expect(attach.exitCode == 0, "\(attach.transcript)")
            default:
                break
            }
            try volume.writeSpec(finalSpec)

            // The fault.
            let environment = ["JUICECTL_FAULT_ACTION": "\(fault.scenario.kind.rawValue):\(fault.mode)"]
            let faulted = try await run(command, environment: environment)
            let fired = faulted.stderr.contains("fault injection: \(fault.mode == "crash-after" ? "killed after" : fault.mode)")
            #expect(fired, "the action did not run, or its fault did not fire: \(faulted.transcript)")
            if fault.mode == "crash-after" {
                #expect(faulted.termination == .signaled(9), "\(faulted.transcript)")
            }
            // A failed or killed program may fail the action (most do) or be tolerated by it (a final
            // `litestream sync` before a stop, say): either way the next run must converge.

            // Recovery: the same command again for down, then apply, twice at most (a step can reveal the next).
            if fault.scenario.isDown {
                let down = try await run(["down", spec])
                #expect(down.exitCode == 0, "down after the fault: \(down.transcript)")
                #expect(volume.mountEntries().isEmpty, "down left mounts: \(volume.mountEntries().map(\.mountPoint))")
            }
            for recovery in recoveries {
                let result = try await run(recovery)
                #expect(result.exitCode == 0, "recovery \(recovery.joined(separator: " ")): \(result.transcript)")
            }
            var apply = try await run(["apply", spec])
            if apply.exitCode != 0 { apply = try await run(["apply", spec]) }
            #expect(apply.exitCode == 0, "apply after the fault: \(apply.transcript)")
            let plan = try await run(["plan", spec, "--detailed-exitcode"])
            #expect(plan.exitCode == 0, "not converged: \(plan.transcript)")

            // Nothing lost: every tree that existed before is byte-identical (a checkpoint the faulted command was
            // creating may exist or not; a restore may have happened or not, and the tree it replaced is kept).
            if let before {
                let after = try Self.snapshot(volume)
                switch fault.scenario {
                case .restore, .resumeRestore:
                    let replaced = before.trees["active"]
                    let kept = after.trees.values.contains { $0 == replaced }
                    #expect(kept, "the tree /active held before the restore is gone")
                    #expect(after.trees["active"] == replaced || after.trees["active"] == before.trees["c1"], "/active is neither tree")
                    #expect(after.trees["c1"] == before.trees["c1"], "the checkpoint changed")
                case .deleteCheckpoint:
                    #expect(after.trees["active"] == before.trees["active"], "/active changed")
                default:
                    for (name, tree) in before.trees {
                        #expect(after.trees[name] == tree, "\(name) changed or is gone")
                    }
                }
            }
            if fault.scenario.overlay {
                let probe = "\(paths.target)/written-after-recovery"
                #expect(FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)), "the overlay is not writable")
            }
            if fault.scenario == .quarantineOverlayImage {
                let kept =
                    (try? FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints/.juicectl/quarantine")) ?? []
                #expect(kept.count == 1, "the damaged image was not kept: \(kept)")
            }
            if let cgroup {
                #expect(cgroup.isThawed, "the sandbox is still frozen")
            }
            if fault.scenario == .detachLoopDevice {
                let loops = try await Shell.sh("losetup -l -n -O BACK-FILE | grep -c '\(volume.mountPath)/checkpoints' || true")
                #expect(loops.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "a stray loop device is left")
            }
        }
    }
}
