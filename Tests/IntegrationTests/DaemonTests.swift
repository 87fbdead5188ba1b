import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// `juicectl run` against real juicefs, Litestream, loop devices and overlayfs, as root.
@Suite("Reconciler daemon (real juicefs and litestream, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct DaemonTests {
    @Test(
        """
        the daemon converges two volumes, heals a killed mount, a dead Litestream and a removed quota of one within an interval, \
        leaves the other alone, serves metrics and stops with exit 0 leaving both mounted
        """
    )
    func healsOneVolumeAndLeavesTheOther() async throws {
        try await TestVolume.with("run-heal-a", extra: "mount:\n  options:\n    heartbeat: 1s\n") { a in
            try await TestVolume.with("run-heal-b") { b in
                try await DaemonProcess.with(
                    [a.specPath, b.specPath, "--interval", "5s", "--metrics-address", "127.0.0.1:0"],
                    logPath: "\(a.root)/daemon.log"
                ) { daemon in
                    let ready = await Wait.until(timeout: .seconds(60)) { a.reportedReady && b.reportedReady }
                    try #require(ready, "both volumes Ready\n\(daemon.log)")
                    let bPIDs = try await b.juicefsPIDs()
                    let bActions = b.events.filter { $0.kind == .action }.count
                    #expect(!bPIDs.isEmpty)

                    // A killed mount process: the mount goes stale and is recovered within one interval.
                    let killed = ContinuousClock.now
                    let killedAt = Date()
                    let killedCount = try await a.killJuicefs()
                    #expect(killedCount >= 1, "no juicefs process of volume a found")
                    let remounted = await a.remounted(after: killedAt, timeout: .seconds(15))
                    #expect(remounted, "the killed mount was not recovered\n\(daemon.log)")
                    #expect(ContinuousClock.now - killed < .seconds(5 + 5), "recovery took more than one interval plus a pass")

                    // A dead Litestream is restarted.
                    let litestreamBefore = a.events.filter { $0.action == "start-backup" || $0.action == "restart-backup" }.count
                    try await Shell.sh("pkill -9 -f 'litestream.*\(a.root)/'")
                    let restarted = await Wait.until(timeout: .seconds(15)) {
                        a.events.filter { ($0.action == "start-backup" || $0.action == "restart-backup") && $0.result == "done" }.count
                            > litestreamBefore
                    }
                    #expect(restarted, "Litestream was not restarted\n\(daemon.log)")

                    // A quota removed behind juicectl's back is set again (the mount sees the change at its 1 s heartbeat).
                    let quotasBefore = a.events.filter { $0.action == "set-quota" && $0.result == "done" }.count
                    let delete = try await a.juicefs("quota", "delete", a.metaURL, "--path", "/active/fs")
                    #expect(delete.exitCode == 0, "\(delete.transcript)")
                    let reset = await Wait.until(timeout: .seconds(15)) {
                        a.events.filter { $0.action == "set-quota" && $0.result == "done" }.count > quotasBefore
                    }
                    #expect(reset, "the removed quota was not set again\n\(daemon.log)")
                    let quota = try await a.juicefs("quota", "get", a.metaURL, "--path", "/active/fs")
                    #expect(quota.stdout.contains("10 TiB"), "\(quota.transcript)")

                    // The other volume was not touched.
                    #expect(try await b.juicefsPIDs() == bPIDs, "volume b's juicefs processes changed")
                    #expect(b.events.filter { $0.kind == .action }.count == bActions, "volume b ran actions")
                    #expect(b.reportedReady)

                    // Metrics.
                    let port = try #require(await daemon.metricsPort(), "no metrics address in the log\n\(daemon.log)")
                    let metrics = try await HTTP.get(port: port, path: "/metrics")
                    #expect(metrics.hasPrefix("HTTP/1.0 200 OK") || metrics.hasPrefix("HTTP/1.1 200 OK"), "\(metrics.prefix(200))")
                    for series in [
                        "juicectl_reconciles_total{volume=\"run-heal-a\",result=\"converged\"}",
                        "juicectl_reconciles_total{volume=\"run-heal-b\",result=\"converged\"}",
                        "juicectl_actions_total{volume=\"run-heal-a\",action=\"set-quota\",result=\"done\"}",
                        "juicectl_action_duration_seconds_count{volume=\"run-heal-a\",action=\"set-quota\"}",
                        "juicectl_reconcile_duration_seconds_count{volume=\"run-heal-b\"}",
                        "juicectl_volume_condition{volume=\"run-heal-b\",condition=\"Ready\"} 1",
                        "juicectl_checkpoints{volume=\"run-heal-a\"} 0",
                        "juicectl_backup_lag_transactions{volume=\"run-heal-a\"}",
                        "juicectl_backup_running{volume=\"run-heal-b\"} 1",
                        "juicectl_build_info{version=",
                    ] {
                        #expect(metrics.contains(series), "missing series \(series)")
                    }
                    #expect(
                        metrics.contains("juicectl_actions_total{volume=\"run-heal-a\",action=\"recover-stale-mount\"")
                            || metrics.contains("juicectl_actions_total{volume=\"run-heal-a\",action=\"mount\""))
                    #expect(try await HTTP.get(port: port, path: "/healthz").hasSuffix("ok\n"))

                    // status reads the daemon's file while it runs.
                    let status = try await a.juicectl("status")
                    #expect(status.stdout.contains("reconciler: pid \(daemon.pid)"), "\(status.transcript)")
                    #expect(status.stdout.contains("Stalled     False"), "\(status.stdout)")

                    // SIGTERM: exit 0; stopping the reconciler is not down.
                    daemon.send(SIGTERM)
                    let code = await daemon.waitForExit(timeout: .seconds(30))
                    #expect(code == 0, "\(daemon.log)")
                    #expect(try await a.mountAnswers())
                    #expect(try await b.mountAnswers())
                    #expect(a.events.contains { $0.kind == .daemon && $0.result == "stopped" })
                }
            }
        }
    }

    @Test(
        """
        a 1-minute schedule fires on time although the interval is 10 minutes, the missed slot is taken once at start, and retention \
        prunes after each scheduled checkpoint
        """
    )
    func scheduledCheckpointsFireAndArePruned() async throws {
        try await TestVolume.with("run-sched") { volume in
            // The volume exists without a schedule; then the spec gains one: the slot that passed is owed.
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try volume.writeSpec("checkpoints:\n  schedule: \"@every 1m\"\n  retain:\n    last: 1\n")

            try await DaemonProcess.with([volume.specPath, "--interval", "10m"], logPath: "\(volume.root)/daemon.log") { daemon in
                #expect(await Wait.until(timeout: .seconds(30)) { volume.runStatus?.lastReconcile != nil }, "\(daemon.log)")
                let before = Self.scheduledCheckpoints(volume)
                #expect(before.count == 1, "the owed slot is taken once at start: \(before)")
                let status = try #require(volume.runStatus)
                let slot = try #require(status.nextCheckpoint, "no next checkpoint in the status")
                #expect(
                    slot > Date().addingTimeInterval(-5) && slot.timeIntervalSinceNow <= 60, "the next slot is within the minute: \(slot)")
                #expect(
                    status.nextReconcile.map { $0 <= slot.addingTimeInterval(1) } == true,
                    "the next pass is at the slot, not 10 minutes away: \(String(describing: status.nextReconcile))")

                // The slot's checkpoint appears a moment after the slot, and retention leaves only it.
                let name = CheckpointName.scheduled(slot: slot)
                let taken = await Wait.until(timeout: .seconds(slot.timeIntervalSinceNow + 20)) { () async -> Bool in
                    Self.scheduledCheckpoints(volume) == [name]
                }
                #expect(taken, "after the slot: \(Self.scheduledCheckpoints(volume)) \n\(daemon.log)")
                let created = volume.events.first { $0.action == "create-checkpoint" && $0.target == name && $0.result == "done" }
                let createdAt = try #require(created?.time)
                #expect(createdAt.timeIntervalSince(slot) < 10, "taken \(createdAt.timeIntervalSince(slot)) s after its slot")
                let pruned = await Wait.until(timeout: .seconds(10)) {
                    volume.events.contains { $0.action == "delete-checkpoint" && $0.target == before.first && $0.result == "done" }
                }
                #expect(pruned, "the older scheduled checkpoint was not pruned")
            }
        }
    }

    @Test("SIGTERM while a checkpoint holds the overlay image frozen: the checkpoint completes, the image is thawed, the daemon exits 0")
    func sigtermDuringACheckpointLeavesTheVolumeConsistent() async throws {
        try await OverlayTests.withOverlay("run-term") { volume, paths in
            try volume.writeSpec(paths.spec + "checkpoints:\n  schedule: \"@every 1m\"\n")
            let environment = ["JUICECTL_FAULT_AT": "overlay.after-freeze:pause", "JUICECTL_FAULT_PAUSE_MS": "4000"]
            try await DaemonProcess.with(
                [volume.specPath, "--interval", "10m"], logPath: "\(volume.root)/daemon.log",
                environment: environment
            ) { daemon in
                let paused = await Wait.until(timeout: .seconds(60)) { daemon.log.contains("fault injection: pausing") }
                try #require(paused, "the checkpoint never froze the image\n\(daemon.log)")
                #expect(FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/overlay-frozen"))
                daemon.send(SIGTERM)
                let code = await daemon.waitForExit(timeout: .seconds(60))
                #expect(code == 0, "\(daemon.log)")

                // The checkpoint in progress completed; nothing is frozen or half made.
                let names = Self.scheduledCheckpoints(volume)
                #expect(names.count == 1, "\(names)")
                if let name = names.first {
                    #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/\(name)/root-upper.img"))
                    let fsck = try await Shell.run("/sbin/e2fsck", ["-fn", "\(volume.mountPath)/checkpoints/\(name)/root-upper.img"])
                    #expect(fsck.exitCode == 0, "\(fsck.transcript)")
                }
                #expect(!FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/overlay-frozen"), "the frozen marker is left")
                #expect(
                    try await Shell.sh("timeout 5 sh -c 'echo probe > \"\(paths.target)/probe\" && sync -f \"\(paths.target)/probe\"'")
                        .exitCode == 0,
                    "the overlay cannot be written: still frozen?")
                // Nothing to finish or repair (a new checkpoint slot may be due by now; nothing else).
                let plan = try await volume.juicectl("plan", "--json")
                let kinds = try (JSONOutput.firstVolume(plan.stdout)["actions"] as? [[String: Any]] ?? []).compactMap {
                    $0["kind"] as? String
                }
                #expect(kinds.allSatisfy { $0 == "create-checkpoint" }, "left to repair after the stop: \(kinds)")
                #expect(daemon.log.range(of: "stopping")!.lowerBound < daemon.log.range(of: "juicectl run stopped")!.lowerBound)
            }
        }
    }

    @Test("an overlay left frozen by a checkpoint killed mid-way is thawed by the daemon within one interval")
    func frozenOverlayIsThawed() async throws {
        try await OverlayTests.withOverlay("run-thaw") { volume, paths in
            try await DaemonProcess.with([volume.specPath, "--interval", "3s"], logPath: "\(volume.root)/daemon.log") { daemon in
                #expect(await Wait.until(timeout: .seconds(30)) { volume.reportedReady }, "\(daemon.log)")
                // Killed with its freeze watchdog, which would otherwise thaw at once.
                try await volume.killInsideFreeze(
                    ["checkpoint", "create", volume.specPath, "cut"], at: "overlay.after-freeze",
                    marker: "overlay-frozen")
                let killedAt = Date()
                let thawed = await Wait.until(timeout: .seconds(3 + 5)) {
                    volume.events.contains { $0.action == "thaw-overlay" && $0.result == "done" && $0.time > killedAt }
                }
                #expect(thawed, "not thawed within one interval\n\(daemon.log)")
                let writable = try await Shell.sh(
                    "timeout 5 sh -c 'echo probe > \"\(paths.target)/probe\" && sync -f \"\(paths.target)/probe\"'")
                #expect(writable.exitCode == 0, "the overlay is still frozen")
                #expect(!FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/overlay-frozen"))
                #expect(await Wait.until(timeout: .seconds(10)) { volume.reportedReady }, "\(daemon.log)")
            }
        }
    }

    @Test("an invalid spec on SIGHUP keeps the last good one running; a suspended spec is observed but not changed; resuming heals")
    func reloadKeepsLastGoodAndSuspendPauses() async throws {
        try await TestVolume.with("run-reload", extra: "mount:\n  options:\n    heartbeat: 1s\n") { volume in
            let good = "mount:\n  options:\n    heartbeat: 1s\n"
            try await DaemonProcess.with([volume.specPath, "--interval", "3s"], logPath: "\(volume.root)/daemon.log") { daemon in
                #expect(await Wait.until(timeout: .seconds(60)) { volume.reportedReady }, "\(daemon.log)")
                let revision = try #require(volume.runStatus?.revision)

                // Invalid YAML + SIGHUP: reported with file, line and column; the old spec stays in force and healing goes on.
                try volume.writeSpec(good + "quotas:\n  - path: /active/fs\n    capacity: [oops\n")
                daemon.send(SIGHUP)
                let rejected = await Wait.until(timeout: .seconds(15)) { volume.runStatus?.specError != nil }
                #expect(rejected, "\(daemon.log)")
                let rejection = volume.runStatus?.specError?.messages.joined() ?? ""
                #expect(rejection.contains("\(volume.specPath):"), "\(rejection)")
                #expect(volume.runStatus?.revision == revision)
                #expect(volume.events.contains { $0.kind == .spec && $0.result == "rejected" })
                let killedAt = Date()
                let killed = try await volume.killJuicefs()
                #expect(killed >= 1)
                let healedOnOldSpec = await volume.remounted(after: killedAt, timeout: .seconds(15))
                #expect(healedOnOldSpec, "the last good spec no longer heals\n\(daemon.log)")
                #expect(daemon.process.isRunning)

                // Suspended, with a quota change pending: the drift is reported, nothing is changed, a killed mount stays down.
                try volume.writeSpec(good + "quotas:\n  - path: /active/fs\n    capacity: 1GiB\nsuspend:\n  reason: maintenance window\n")
                daemon.send(SIGHUP)
                let suspended = await Wait.until(timeout: .seconds(15)) { volume.runStatus?.condition(.suspended)?.status == true }
                #expect(suspended, "\(daemon.log)")
                let statusText = (try? String(contentsOfFile: "\(volume.baseDir)/.juicectl/status.json", encoding: .utf8)) ?? "none"
                #expect(volume.runStatus?.condition(.suspended)?.message.contains("maintenance window") == true, "\(statusText)")
                #expect(
                    volume.runStatus?.pendingActions.contains { $0.contains("/active/fs") } == true,
                    "\(String(describing: volume.runStatus?.pendingActions))")
                let killedWhileSuspended = try await volume.killJuicefs()
                #expect(killedWhileSuspended >= 1)
                try await Task.sleep(for: .seconds(7))
                let quota = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs")
                #expect(quota.stdout.contains("10 TiB"), "the quota was changed while suspended: \(quota.stdout)")
                #expect(volume.runStatus?.condition(.ready)?.status == false, "a killed mount should be reported while suspended")
                #expect(volume.runStatus?.lastReconcile?.result == .suspended)

                // Resumed: healed and the change applied, without a signal (the files are re-read every interval).
                try volume.writeSpec(good + "quotas:\n  - path: /active/fs\n    capacity: 1GiB\n")
                let healed = await Wait.until(timeout: .seconds(20)) {
                    volume.reportedReady && volume.runStatus?.condition(.suspended)?.status == false
                }
                #expect(healed, "\(daemon.log)")
                let resumed = try await volume.juicefs("quota", "get", volume.metaURL, "--path", "/active/fs")
                #expect(resumed.stdout.contains("1.0 GiB") || resumed.stdout.contains("1 GiB"), "\(resumed.stdout)")
                daemon.send(SIGTERM)
                #expect(await daemon.waitForExit(timeout: .seconds(30)) == 0, "\(daemon.log)")
            }
        }
    }

    @Test("a refusal to format over existing data stalls the volume without retries until its spec changes")
    func refusalStallsUntilTheSpecChanges() async throws {
        try await TestVolume.with("run-stall") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(try await volume.juicectl("down").exitCode == 0)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: volume.databasePath + suffix) }
            try? FileManager.default.removeItem(atPath: "\(volume.baseDir)/replica")

            try await DaemonProcess.with(
                [volume.specPath, "--interval", "2s", "--metrics-address", "127.0.0.1:0"],
                logPath: "\(volume.root)/daemon.log"
            ) { daemon in
                let stalled = await Wait.until(timeout: .seconds(30)) { volume.runStatus?.condition(.stalled)?.status == true }
                #expect(stalled, "\(daemon.log)")
                #expect(volume.runStatus?.condition(.stalled)?.reason == .conflict(.refuseFormatOverData))
                try await Task.sleep(for: .seconds(5))
                #expect(!FileManager.default.fileExists(atPath: volume.databasePath), "a metadata database was created")
                let port = try #require(await daemon.metricsPort())
                let metrics = try await HTTP.get(port: port, path: "/metrics")
                #expect(metrics.contains("juicectl_reconciles_total{volume=\"run-stall\",result=\"blocked\"} 1"), "\(metrics)")
                #expect(metrics.contains("juicectl_reconciles_total{volume=\"run-stall\",result=\"stalled\"}"), "later passes only observe")
                #expect(metrics.contains("juicectl_reconcile_errors_total{volume=\"run-stall\",kind=\"terminal\"} 1"))

                // A changed spec (new object storage) lifts the stall: the volume is created there.
                try volume.writeSpec("storage:\n  path: \"\(volume.baseDir)/objects2\"\n")
                let converged = await Wait.until(timeout: .seconds(30)) { volume.reportedReady }
                #expect(converged, "\(daemon.log)")
                #expect(volume.runStatus?.condition(.stalled)?.status == false)
            }
        }
    }

    /// Names of the volume's scheduled checkpoints, sorted.
    static func scheduledCheckpoints(_ volume: TestVolume) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(volume.mountPath)/checkpoints")) ?? []
        return names.filter { $0.hasPrefix("auto-") }.sorted()
    }
}
