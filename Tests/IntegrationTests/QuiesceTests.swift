import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Point-in-time checkpoints of a live sandbox (`checkpoints.quiesce`), with the real juicefs, real cgroup v1 and v2
/// freezers made by the tests, and a writer working in the tree the whole time.
@Suite("Quiesced checkpoints (real cgroups, real juicefs)", .serialized, .enabled(if: Prerequisites.enabled))
struct QuiesceTests {
    /// The spec's quiesce section for `cgroup`.
    static func quiesce(_ cgroup: SandboxCgroup, maxFrozen: String = "10s", hooks: String = "") -> String {
        "checkpoints:\n  quiesce:\n    cgroups: [\"\(cgroup.path)\"]\n    maxFrozen: \(maxFrozen)\n\(hooks)"
    }

    /// `checkpoint create --json` of `name`: the exit code, the result's details, the wall-clock window it ran in.
    static func checkpoint(_ volume: TestVolume, _ name: String, environment: [String: String] = [:]) async throws
        -> (result: CommandResult, details: [String: Any], window: ClosedRange<Double>)
    {
        let start = Date().timeIntervalSince1970
        let result = try await volume.juicectl("checkpoint", "create", "--json", extra: [name], environment: environment)
        let end = Date().timeIntervalSince1970
        let document = (try? JSONOutput.firstVolume(result.stdout)) ?? [:]
        let results = document["results"] as? [[String: Any]] ?? []
        let details = results.last { $0["kind"] as? String == "create-checkpoint" }?["details"] as? [String: Any] ?? [:]
        return (result, details, start...end)
    }

    @Test(
        "ten checkpoints of a tree whose files keep moving between two directories each hold every file once",
        arguments: [CgroupVersion.v1, .v2])
    func everyQuiescedCheckpointIsOneInstant(version: CgroupVersion) async throws {
        try await SandboxCgroup.with(version, "rename-\(version.rawValue)") { cgroup in
            try await TestVolume.with("quiesce-rename-\(version.rawValue)") { volume in
                try volume.writeSpec(Self.quiesce(cgroup))
                let apply = try await volume.juicectl("apply")
                try #require(apply.exitCode == 0, "\(apply.transcript)")
                let count = 3000
                let writer = try RenameWriter(directory: "\(volume.mountPath)/active/fs/work", scratch: volume.root, count: count)
                let pid = try cgroup.start(
                    "/usr/bin/python3", [writer.scriptFile, writer.directory, writer.progressFile, writer.stallsFile])
                try #require(await Wait.until(timeout: .seconds(30)) { writer.operations > 200 }, "the writer did not start")
                for index in 1...10 {
                    let before = writer.operations
                    let (result, details, window) = try await Self.checkpoint(volume, "pit-\(index)")
                    try #require(result.exitCode == 0, "\(result.transcript)")
                    let frozen = try #require(details["frozenMilliseconds"] as? Int, "\(result.stdout)")
                    #expect(details["pointInTime"] as? Bool == true)
                    // The copy holds each of the writer's files exactly once.
                    let check = RenameWriter.invariantHolds(in: "\(volume.mountPath)/checkpoints/pit-\(index)/fs/work", count: count)
                    #expect(check.holds, "checkpoint pit-\(index): \(check.missing) missing, \(check.doubled) in both directories")
                    // The writer runs on after each checkpoint.
                    #expect(cgroup.isThawed)
                    let resumed = await Wait.until(timeout: .seconds(10)) { writer.operations > before + 100 }
                    #expect(resumed, "the writer did not run on after checkpoint pit-\(index)")
                    // The frozen window juicectl reports is the stall the writer saw from inside.
                    let stall = writer.stalls(overlapping: window).map { ($0.end - $0.start) * 1000 }.max() ?? 0
                    #expect(
                        stall >= Double(frozen) * 0.8 - 20 && stall <= Double(frozen) + 300,
                        "checkpoint pit-\(index): juicectl reports \(frozen) ms frozen, the writer stalled \(Int(stall)) ms")
                }
                #expect(LiveHost().isAlive(pid))
            }
        }
    }

    @Test(
        """
        SIGKILL of juicectl inside the frozen window (right after the freeze, or in the middle of the clone): the cgroup thaws at \
        once with no other command, apply removes the leftover
        """,
        arguments: [false, true])
    func killedInsideTheFrozenWindowThawsWithoutAnotherCommand(midClone: Bool) async throws {
        try await SandboxCgroup.with(.v2, "kill") { cgroup in
            try await TestVolume.with("quiesce-kill-\(midClone ? "clone" : "freeze")") { volume in
                try volume.writeSpec(Self.quiesce(cgroup, maxFrozen: "8s"))
                try #require(try await volume.juicectl("apply").exitCode == 0)
                if midClone {
                    // 20,000 more files (1,000 made, cloned 19 times), so that the clone takes more than a second.
                    let seed = "\(volume.mountPath)/active/fs/big/t0"
                    try FileManager.default.createDirectory(atPath: seed, withIntermediateDirectories: true)
                    for index in 0..<1000 { _ = FileManager.default.createFile(atPath: "\(seed)/f\(index)", contents: Data("x".utf8)) }
                    for copy in 1..<20 {
                        try #require(try await volume.juicefs("clone", seed, "\(volume.mountPath)/active/fs/big/t\(copy)").exitCode == 0)
                    }
                }
                let writer = try RenameWriter(directory: "\(volume.mountPath)/active/fs/work", scratch: volume.root, count: 300)
                try cgroup.start("/usr/bin/python3", [writer.scriptFile, writer.directory, writer.progressFile, writer.stallsFile])
                try #require(await Wait.until(timeout: .seconds(30)) { writer.operations > 100 })

                let environment = midClone ? [:] : ["JUICECTL_FAULT_AT": "quiesce.after-freeze:pause", "JUICECTL_FAULT_PAUSE_MS": "20000"]
                async let run = Self.checkpoint(volume, "killed", environment: environment)
                try #require(await Wait.until(timeout: .seconds(20)) { cgroup.isFrozen }, "juicectl never froze the sandbox")
                if midClone { try await Task.sleep(for: .milliseconds(300)) }
                let juicectl = try #require(
                    LiveHost().processes().first { $0.value.contains("killed") && $0.value.first?.hasSuffix("juicectl") == true }?.key)
                #expect(cgroup.isFrozen, "the kill comes inside the frozen window")
                kill(juicectl, SIGKILL)
                let killedAt = ContinuousClock.now
                let ended = try await run
                #expect(ended.result.termination == .signaled(SIGKILL), "\(ended.result.transcript)")
                let thawed = await Wait.until(timeout: .seconds(10)) { cgroup.isThawed }
                #expect(thawed, "the sandbox stayed frozen after juicectl died")
                #expect(ContinuousClock.now - killedAt < .seconds(10), "thawed within maxFrozen (8 s) + 2 s")
                let operations = writer.operations
                #expect(await Wait.until(timeout: .seconds(10)) { writer.operations > operations + 50 }, "the writer runs again")
                #expect(
                    !FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/freeze.json"), "the watchdog removed the record")

                let staging = "\(volume.mountPath)/checkpoints/.juicectl/staging"
                if midClone {
                    // The clone runs in the mount and its command outlived juicectl: it completes as a leftover.
                    let left = await Wait.until(timeout: .seconds(30)) {
                        !((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).isEmpty
                    }
                    #expect(left, "the interrupted clone left nothing in staging")
                }
                let apply = try await volume.juicectl("apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                if midClone { #expect(apply.stdout.contains("remove leftover"), "\(apply.stdout)") }
                #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).isEmpty)
                let plan = try await volume.juicectl("plan", "--detailed-exitcode")
                #expect(plan.exitCode == 0, "\(plan.transcript)")
                let list = try await volume.juicectl("checkpoint", "list", "--json")
                #expect(!list.stdout.contains("\"killed\""), "\(list.stdout)")
            }
        }
    }

    @Test("SIGKILL of juicectl and of its watchdog: status shows the sandbox left frozen, apply thaws it")
    func aFreezeNobodyUndidIsShownAndThawedByApply() async throws {
        try await SandboxCgroup.with(.v1, "left") { cgroup in
            try await TestVolume.with("quiesce-left") { volume in
                try volume.writeSpec(Self.quiesce(cgroup, maxFrozen: "30s"))
                try #require(try await volume.juicectl("apply").exitCode == 0)
                try cgroup.start("/bin/sleep", ["1000"])

                let environment = ["JUICECTL_FAULT_AT": "quiesce.after-freeze:pause", "JUICECTL_FAULT_PAUSE_MS": "20000"]
                async let run = Self.checkpoint(volume, "left", environment: environment)
                try #require(await Wait.until(timeout: .seconds(20)) { cgroup.isFrozen })
                let processes = LiveHost().processes()
                let watchdog = try #require(processes.first { $0.value.contains("juicectl-freeze-watchdog") }?.key, "no watchdog runs")
                let juicectl = try #require(
                    processes.first { $0.value.contains("left") && $0.value.first?.hasSuffix("juicectl") == true }?.key)
                // The watchdog's shell and its flock child both go.
                _ = try await Shell.sh(
                    "pkill -9 -f 'juicectl-freeze-watchdog.*\(volume.baseDir)' ; pkill -9 -f 'flock -w .*\(volume.baseDir)'")
                #expect(await Wait.until(timeout: .seconds(5)) { !LiveHost().isAlive(watchdog) })
                kill(juicectl, SIGKILL)
                _ = try await run
                try await Task.sleep(for: .seconds(1))
                #expect(cgroup.isFrozen, "nobody thawed it")

                let status = try await volume.juicectl("status", "--json")
                let conditions = try JSONOutput.firstVolume(status.stdout)["conditions"] as? [[String: Any]] ?? []
                let frozen = conditions.first { $0["type"] as? String == "SandboxFrozen" }
                #expect(frozen?["status"] as? Bool == true, "\(status.stdout)")
                #expect(frozen?["reason"] as? String == "LeftFrozen", "\(status.stdout)")
                #expect(conditions.first { $0["type"] as? String == "Degraded" }?["reason"] as? String == "SandboxLeftFrozen")
                let plan = try await volume.juicectl("plan")
                #expect(plan.stdout.contains("thaw cgroups"), "\(plan.stdout)")

                let apply = try await volume.juicectl("apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                #expect(cgroup.isThawed)
                let after = try await volume.juicectl("status", "--json")
                let again = try JSONOutput.firstVolume(after.stdout)["conditions"] as? [[String: Any]] ?? []
                #expect(again.first { $0["type"] as? String == "SandboxFrozen" }?["status"] as? Bool == false, "\(after.stdout)")
            }
        }
    }

    @Test("a clone that would outlast maxFrozen is abandoned: the checkpoint fails naming the limit and the tree, nothing stays frozen")
    func aCloneOutlastingMaxFrozenIsAbandoned() async throws {
        try await SandboxCgroup.with(.v1, "limit") { cgroup in
            try await TestVolume.with("quiesce-limit") { volume in
                try volume.writeSpec(Self.quiesce(cgroup, maxFrozen: "50ms"))
                try #require(try await volume.juicectl("apply").exitCode == 0)
                // 20,000 files: 1,000 made, then cloned 19 times (a bare clone of the whole takes over a second).
                let seed = "\(volume.mountPath)/active/fs/big/t0"
                try FileManager.default.createDirectory(atPath: seed, withIntermediateDirectories: true)
                for index in 0..<1000 { _ = FileManager.default.createFile(atPath: "\(seed)/f\(index)", contents: Data("x".utf8)) }
                for copy in 1..<20 {
                    let clone = try await volume.juicefs("clone", seed, "\(volume.mountPath)/active/fs/big/t\(copy)")
                    try #require(clone.exitCode == 0, "\(clone.transcript)")
                }
                try cgroup.start("/bin/sleep", ["1000"])

                let (result, _, _) = try await Self.checkpoint(volume, "too-big")

                #expect(result.exitCode == 1, "\(result.transcript)")
                #expect(result.stdout.contains("past checkpoints.quiesce.maxFrozen (50ms)"), "\(result.stdout)")
                // The size comes from the mount's directory statistics, which trail the last writes by a little.
                #expect(
                    result.stdout.contains(" files and ") && result.stdout.contains(" directories ("),
                    "the tree's size is named: \(result.stdout)")
                #expect(cgroup.isThawed)
                try await Task.sleep(for: .seconds(3))
                #expect(cgroup.isThawed)
                let list = try await volume.juicectl("checkpoint", "list", "--json")
                #expect(!list.stdout.contains("too-big"), "\(list.stdout)")
                let staging =
                    (try? FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints/.juicectl/staging")) ?? []
                #expect(staging.isEmpty, "the abandoned clone left \(staging)")
                let plan = try await volume.juicectl("plan", "--detailed-exitcode")
                #expect(plan.exitCode == 0, "\(plan.transcript)")
            }
        }
    }

    @Test("pre and post hooks run around the freeze in a clean environment; a failing pre hook fails the checkpoint after post ran")
    func hooksRunAroundTheFreeze() async throws {
        try await SandboxCgroup.with(.v2, "hooks") { cgroup in
            try await TestVolume.with("quiesce-hooks") { volume in
                let log = "\(volume.root)/hooks.log"
                let hook = "\(volume.root)/hook.sh"
                let script = """
                    #!/bin/sh
                    echo "$1 $JUICECTL_HOOK $JUICECTL_CHECKPOINT frozen=$(cat \(cgroup.path)/cgroup.events | grep frozen) \
                    secret=${SECRET_OF_ANOTHER_VOLUME:-none}" >> \(log)
                    [ "$1" != fail ] || { echo "cannot flush: disk busy" >&2; exit 7; }
                    """
                try script.write(toFile: hook, atomically: true, encoding: .utf8)
                chmod(hook, 0o755)
                try cgroup.start("/bin/sleep", ["1000"])
                try volume.writeSpec(
                    Self.quiesce(cgroup, hooks: "    pre: [[\"\(hook)\", \"flush\"]]\n    post: [[\"\(hook)\", \"resume\"]]\n"))
                try #require(try await volume.juicectl("apply").exitCode == 0)

                let (ok, _, _) = try await Self.checkpoint(volume, "hooked", environment: ["SECRET_OF_ANOTHER_VOLUME": "s3cr3t"])
                #expect(ok.exitCode == 0, "\(ok.transcript)")
                let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
                #expect(
                    lines == ["flush pre hooked frozen=frozen 0 secret=none", "resume post hooked frozen=frozen 0 secret=none"], "\(lines)")

                try volume.writeSpec(
                    Self.quiesce(cgroup, hooks: "    pre: [[\"\(hook)\", \"fail\"]]\n    post: [[\"\(hook)\", \"resume\"]]\n"))
                let (failed, _, _) = try await Self.checkpoint(volume, "refused")
                #expect(failed.exitCode == 1, "\(failed.transcript)")
                #expect(failed.stdout.contains("failed (exit 7)") && failed.stdout.contains("cannot flush: disk busy"), "\(failed.stdout)")
                let after = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").suffix(2).map(String.init)
                #expect(
                    after == ["fail pre refused frozen=frozen 0 secret=none", "resume post refused frozen=frozen 0 secret=none"], "\(after)"
                )
                #expect(!FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/refused"))
                #expect(cgroup.isThawed)
            }
        }
    }

    @Test("a sandbox the platform paused is shown as frozen elsewhere, and a checkpoint leaves it frozen")
    func aSandboxFrozenByOthersIsLeftAsFound() async throws {
        try await SandboxCgroup.with(.v1, "paused") { cgroup in
            try await TestVolume.with("quiesce-paused") { volume in
                try volume.writeSpec(Self.quiesce(cgroup))
                try #require(try await volume.juicectl("apply").exitCode == 0)
                try cgroup.start("/bin/sleep", ["1000"])
                try cgroup.freezeByHand()
                try #require(await Wait.until(timeout: .seconds(5)) { cgroup.isFrozen })

                let status = try await volume.juicectl("status", "--json")
                let conditions = try JSONOutput.firstVolume(status.stdout)["conditions"] as? [[String: Any]] ?? []
                #expect(
                    conditions.first { $0["type"] as? String == "SandboxFrozen" }?["reason"] as? String == "FrozenElsewhere",
                    "\(status.stdout)")

                let (result, _, _) = try await Self.checkpoint(volume, "while-paused")
                #expect(result.exitCode == 0, "\(result.transcript)")
                #expect(result.stdout.contains("already frozen before: \(cgroup.path)"), "\(result.stdout)")
                #expect(cgroup.isFrozen, "juicectl thaws only what it froze")
            }
        }
    }

    @Test("the daemon's scheduled checkpoint and the library's checkpoint quiesce the same way, with the window in events and metrics")
    func scheduledAndLibraryCheckpointsQuiesce() async throws {
        try await SandboxCgroup.with(.v2, "daemon") { cgroup in
            try await TestVolume.with("quiesce-daemon") { volume in
                try volume.writeSpec(Self.quiesce(cgroup) + "  schedule: \"@every 1h\"\n")
                try cgroup.start("/bin/sleep", ["1000"])
                try await DaemonProcess.with(
                    [volume.specPath, "--interval", "5s", "--metrics-address", "127.0.0.1:0"],
                    logPath: "\(volume.root)/daemon.log"
                ) { daemon in
                    let scheduled = await Wait.until(timeout: .seconds(60)) {
                        volume.events.contains { $0.action == "create-checkpoint" && $0.result == "done" }
                    }
                    try #require(scheduled, "no scheduled checkpoint: \(volume.events.map(\.message))\n\(daemon.log)")
                    let event = try #require(volume.events.last { $0.action == "create-checkpoint" })
                    #expect(event.frozenMs != nil, "\(event)")
                    #expect(event.message.contains("point in time: sandbox frozen for"), "\(event.message)")
                    let port = try #require(await daemon.metricsPort(), "\(daemon.log)")
                    // The pass records its metrics once it ends, a little after its checkpoint's event.
                    var metrics = ""
                    _ = await Wait.until(timeout: .seconds(15)) {
                        metrics = (try? await HTTP.get(port: port, path: "/metrics")) ?? ""
                        return metrics.contains("juicectl_checkpoint_frozen_seconds_count")
                    }
                    #expect(metrics.contains("juicectl_checkpoint_frozen_seconds_count{volume=\"\(volume.volumeName)\"} 1"), "\(metrics)")
                    #expect(metrics.contains("juicectl_checkpoint_last_frozen_seconds{volume=\"\(volume.volumeName)\"}"), "\(metrics)")
                    #expect(
                        metrics.contains("juicectl_volume_condition{volume=\"\(volume.volumeName)\",condition=\"SandboxFrozen\"} 0"),
                        "\(metrics)")
                }

                var config = JuiceFS.Config(baseDir: volume.baseDir, volumeName: volume.volumeName, juicefsPath: Prerequisites.juicefs)
                config.quiesce = VolumeSpec.Quiesce(cgroups: [cgroup.path])
                let library = try JuiceFS(config: config)
                let report = try await library.checkpoint("from-library")
                let details = try #require(report.results.last?.details)
                #expect(details.frozenMilliseconds != nil && details.frozenCgroups == [cgroup.path], "\(details)")
            }
        }
    }

    @Test("with the overlay, the image and the working tree are cloned inside the sandbox's frozen window, and the image's copy is clean")
    func overlayAndWorkingTreeAreOneInstant() async throws {
        try await SandboxCgroup.with(.v1, "overlay") { cgroup in
            try await OverlayTests.withOverlay("quiesce-overlay") { volume, paths in
                try volume.writeSpec(paths.spec + Self.quiesce(cgroup))
                try #require(try await volume.juicectl("apply").exitCode == 0)
                // The sandbox writes the same counter through the overlay (the image) and into active/fs (the tree),
                // each write fsync'ed: in a copy of one instant both files hold the same number, or differ by the one
                // write that was between them.
                let script = """
                    import os, sys
                    a, b = sys.argv[1], sys.argv[2]
                    i = 0
                    while True:
                        for path in (a, b):
                            with open(path + '.tmp', 'w') as f:
                                f.write(str(i)); f.flush(); os.fsync(f.fileno())
                            os.replace(path + '.tmp', path)
                        i += 1
                    """
                try script.write(toFile: "\(volume.root)/pair.py", atomically: true, encoding: .utf8)
                try cgroup.start(
                    "/usr/bin/python3", ["\(volume.root)/pair.py", "\(paths.target)/counter", "\(volume.mountPath)/active/fs/counter"])
                try #require(
                    await Wait.until(timeout: .seconds(20)) {
                        FileManager.default.fileExists(atPath: "\(volume.mountPath)/active/fs/counter")
                    })
                for index in 1...3 {
                    let (result, details, _) = try await Self.checkpoint(volume, "ovl-\(index)")
                    try #require(result.exitCode == 0, "\(result.transcript)")
                    let frozen = try #require(details["frozenMilliseconds"] as? Int, "\(result.stdout)")
                    let image = try #require(details["imageFrozenMilliseconds"] as? Int, "\(result.stdout)")
                    #expect(image <= frozen, "the image's freeze lies inside the sandbox's window")
                    let copy = "\(volume.mountPath)/checkpoints/ovl-\(index)"
                    let fsck = try await Shell.run("/sbin/e2fsck", ["-fn", "\(copy)/root-upper.img"])
                    #expect(fsck.exitCode == 0, "the image's copy needs repair: \(fsck.transcript)")
                    // The tree's counter, and the image's (read from the copied image, mounted read-only).
                    let tree = Int((try? String(contentsOfFile: "\(copy)/fs/counter", encoding: .utf8)) ?? "") ?? -1
                    let mountPoint = "\(volume.root)/copy-\(index)"
                    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
                    let mount = try await Shell.run("/bin/mount", ["-o", "ro,loop,noload", "\(copy)/root-upper.img", mountPoint])
                    try #require(mount.exitCode == 0, "\(mount.transcript)")
                    let imageCounter = Int((try? String(contentsOfFile: "\(mountPoint)/upper/counter", encoding: .utf8)) ?? "") ?? -1
                    _ = try await Shell.run("/bin/umount", [mountPoint])
                    #expect(
                        tree >= 0 && (imageCounter == tree || imageCounter == tree + 1),
                        "checkpoint ovl-\(index): the image says \(imageCounter), the tree \(tree): not one instant")
                }
                #expect(cgroup.isThawed)
            }
        }
    }
}
