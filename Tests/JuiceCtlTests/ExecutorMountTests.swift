import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("Executor: mount")
struct ExecutorMountTests {
    @Test func mountsVerifiesReadinessAndRecordsTheMountPath() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let ready = try Fixture.text("juicefs/mount-ready.stderr")
            scenario.runner.on(prefix: ["juicefs", "--no-agent", "mount"]) { _ in
                // What `juicefs mount --background` leaves when it returns: a live mount.
                do { try scenario.installLiveMount() } catch { return .failure(stderr: "\(error)") }
                return .success(stderr: ready)
            }

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(result.outcome == .done("mounted at \(scenario.mountPath) (pid \(VolumeScenario.pid))"))
            #expect(scenario.runner.argvs == [["juicefs"] + MountCommand.arguments(for: scenario.spec)])
            #expect(scenario.host.calls.contains("stat \(scenario.mountPath)"), "readiness is checked with stat")
            #expect(scenario.host.calls.contains("readFile \(scenario.mountPath)/.config"))
            #expect(scenario.stateStore.load().mountPaths == [scenario.mountPath])
            #expect(scenario.host.calls.contains("writeLocalFile \(base)/.juicectl/state.json"))
            #expect(scenario.host.createdLocalDirectories.contains("\(base)/cache"))
        }
    }

    @Test func recordsAMountPathOnlyOnce() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.stateStore.update { $0.mountPaths = [scenario.mountPath] }
            scenario.runner.on(prefix: ["juicefs", "--no-agent", "mount"]) { _ in
                do { try scenario.installLiveMount() } catch { return .failure(stderr: "\(error)") }
                return .success()
            }

            _ = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(scenario.stateStore.load().mountPaths == [scenario.mountPath])
        }
    }

    @Test func skipsMountingALiveMount() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(result.outcome == .skipped("already mounted at \(scenario.mountPath) (pid \(VolumeScenario.pid))"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func refusesToMountOnTopOfAnotherFilesystem() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(id: 60, mountPoint: scenario.mountPath, fstype: "tmpfs", source: "scratch"))

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(result.outcome == .failed("\(scenario.mountPath) now holds tmpfs scratch; not mounting on top of it"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aFailedMountReportsJuiceFSsErrorAndTheLogAndRecordsNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(
                prefix: ["juicefs", "--no-agent", "mount"], .failure(stderr: try Fixture.text("juicefs/mount-unformatted.stderr")))

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(
                result.outcome
                    == .failed(
                        "juicefs mount \(scenario.mountPath) failed: database is not formatted, please run `juicefs format ...` first "
                            + "(see \(base)/logs/juicefs.log)"
                    ))
            #expect(scenario.stateStore.load().mountPaths.isEmpty)
        }
    }

    @Test func aMountThatCannotStartFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(.prefix(["juicefs"]), reply: .cannotStart("Executable is not found or cannot be executed."))

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            #expect(result.failed)
            #expect(scenario.stateStore.load().mountPaths.isEmpty)
        }
    }
}
