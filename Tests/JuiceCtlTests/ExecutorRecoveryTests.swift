import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

/// Recovery steps: a dead mount, and a format that was killed half-way.
@Suite("Executor: recovery")
struct ExecutorRecoveryTests {
    @Test func recoversADeadMountByDetachingItLazilyRemovingDeadLeftoversAndMountingAgain() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath, .failed(errno: ENOTCONN, message: "Transport endpoint is not connected"))
            // Leftovers of the killed supervisor (dead) and of another volume's live supervisor.
            for name in [
                "fuse_fd_comm.\(VolumeScenario.supervisorPID)", "state\(VolumeScenario.supervisorPID).json.bak",
                "fuse_fd_comm.4242", "unrelated.txt",
            ] {
                scenario.host.setLocalFile("/tmp/\(name)")
            }
            scenario.host.setAlive(VolumeScenario.supervisorPID, false)
            scenario.host.setAlive(4242, true)
            scenario.runner.on(["umount", "-l", scenario.mountPath]) { _ in
                scenario.host.removeMountInfo(at: scenario.mountPath)
                return .success()
            }
            scenario.runner.on(prefix: ["juicefs", "--no-agent", "mount"]) { _ in
                do { try scenario.installLiveMount(pid: 500, supervisorPID: 499) } catch { return .failure(stderr: "\(error)") }
                scenario.host.setStat(scenario.mountPath, .found(inode: 1, isDirectory: true))
                return .success()
            }

            let result = await scenario.executor.execute(scenario.action(.recoverStaleMount), spec: scenario.spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.contains("detached 1 dead mount(s)") && text.contains("removed 2 leftover file(s)"), "\(text)")
            #expect(scenario.runner.argvs.first == ["umount", "-l", scenario.mountPath])
            #expect(!scenario.host.fileExists("/tmp/fuse_fd_comm.\(VolumeScenario.supervisorPID)"))
            #expect(scenario.host.fileExists("/tmp/fuse_fd_comm.4242"), "a live supervisor's socket was removed")
            #expect(scenario.host.fileExists("/tmp/unrelated.txt"))
        }
    }

    @Test func completesAnInterruptedFormatKeepingTheStaleUUIDFile() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.storageHoldsVolume(uuid: "11111111-2222-3333-4444-555555555555")
            scenario.host.setLocalFile(scenario.spec.formatIntentFile)
            let status = try Fixture.text("juicefs/status-unmounted.json")
            scenario.runner.on(prefix: ["juicefs", "format"]) { _ in
                scenario.host.setLocalFile(scenario.spec.metadata.sqlitePath!)
                return .success()
            }
            scenario.runner.on(["juicefs", "status", scenario.url], .success(status))

            let observation = await scenario.observer.observe(scenario.spec)
            #expect(observation.interruptedFormat)
            #expect(Planner.plan(scenario.spec, observation).actions.first?.kind == .format)

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.contains("completed an interrupted format"), "\(text)")
            let uuidFile = try #require(scenario.spec.storage.uuidFilePath(volume: "fixvol"))
            #expect(!scenario.host.fileExists(uuidFile), "juicefs refuses a storage that is not empty")
            let aside = scenario.host.snapshot.localFiles.filter {
                $0.hasPrefix("\(scenario.spec.stateDir)/interrupted-format-juicefs_uuid.")
            }
            #expect(aside.count == 1)
            #expect(scenario.host.snapshot.fileContents[aside.first ?? ""] == Data("11111111-2222-3333-4444-555555555555".utf8))
            #expect(!scenario.host.fileExists(scenario.spec.formatIntentFile), "the intent is removed once the format is verified")
        }
    }

    @Test func anIntentRecordDoesNotAllowFormattingOverStorageWithData() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.storageHoldsVolume()
            scenario.host.setLocalFile("\(base)/objects/fixvol/chunks")
            scenario.host.setLocalFile(scenario.spec.formatIntentFile)

            let observation = await scenario.observer.observe(scenario.spec)
            #expect(!observation.interruptedFormat)
            #expect(Planner.plan(scenario.spec, observation).conflicts.map(\.code) == [.refuseFormatOverData])
            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)
            #expect(result.failed)
            #expect(scenario.runner.commands(startingWith: ["juicefs", "format"]).isEmpty)
        }
    }
}
