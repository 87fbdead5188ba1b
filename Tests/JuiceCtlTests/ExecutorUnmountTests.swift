import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("Executor: unmount")
struct ExecutorUnmountTests {
    /// A live mount that juicectl mounted (the state file lists it), busy: a graceful unmount fails.
    static func busyMount(_ base: String) throws -> VolumeScenario {
        let scenario = try VolumeScenario(baseDir: base)
        try scenario.installLiveMount()
        try scenario.stateStore.update { $0.mountPaths = [scenario.mountPath] }
        scenario.host.setLocalFile(scenario.spec.stateDir)
        scenario.host.setProcessesUsing(scenario.mountPath, [4242])
        let busy = try Fixture.text("juicefs/umount-busy.stderr").replacingOccurrences(of: "/tmp/jc-fixtures/mnt", with: scenario.mountPath)
        scenario.runner.on(["juicefs", "umount", scenario.mountPath], .failure(stderr: busy))
        return scenario
    }

    @Test func aBusyMountIsNotForcedWhenForceIsNotAllowed() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.busyMount(base)
            let path = scenario.mountPath

            let result = await scenario.executor.execute(scenario.action(.unmount(forceAllowed: false), path), spec: scenario.spec)

            #expect(
                result.outcome
                    == .failed(
                        """
                        cannot unmount \(path): fusermount: failed to unmount \(path): Device or resource busy; processes using it: \
                        4242. Close them and run apply again; juicectl does not force an unmount for an option change
                        """
                    ))
            #expect(scenario.runner.argvs == [["juicefs", "umount", path]])
            #expect(scenario.runner.commands(startingWith: ["juicefs", "umount", "--force"]).isEmpty)
            #expect(scenario.stateStore.load().mountPaths == [path], "still mounted, still recorded")
        }
    }

    @Test func aBusyMountIsForcedWhenForceIsAllowed() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.busyMount(base)
            let path = scenario.mountPath
            scenario.runner.on(["juicefs", "umount", "--force", path]) { _ in
                // A lazy detach: the mountinfo line goes, the processes serve the open files on.
                scenario.host.removeMountInfo(at: path)
                return .success()
            }

            let result = await scenario.executor.execute(scenario.action(.unmount(forceAllowed: true), path), spec: scenario.spec)

            #expect(
                result.outcome
                    == .done(
                        """
                        graceful unmount failed (fusermount: failed to unmount \(path): Device or resource busy); detached \(path) \
                        lazily: processes 4242 still hold files, and juicefs exits when they close them
                        """
                    ))
            #expect(scenario.runner.argvs == [["juicefs", "umount", path], ["juicefs", "umount", "--force", path]])
            #expect(scenario.stateStore.load().mountPaths.isEmpty)
        }
    }

    @Test func aForcedUnmountThatFailsIsReported() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.busyMount(base)
            let path = scenario.mountPath
            scenario.runner.on(
                ["juicefs", "umount", "--force", path], .failure(stderr: "<FATAL>: fusermount: permission denied [main@main.go:31]"))

            let result = await scenario.executor.execute(scenario.action(.unmount(forceAllowed: true), path), spec: scenario.spec)

            #expect(result.outcome == .failed("cannot unmount \(path) even with --force: fusermount: permission denied"))
        }
    }

    @Test func anIdleMountIsUnmountedGracefullyAndForgotten() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            try scenario.stateStore.update { $0.mountPaths = ["/elsewhere", scenario.mountPath] }
            scenario.host.setLocalFile(scenario.spec.stateDir)
            scenario.runner.on(["juicefs", "umount", scenario.mountPath]) { _ in
                scenario.removeLiveMount()
                return .success()
            }

            let result = await scenario.executor.execute(
                scenario.action(.unmount(forceAllowed: true), scenario.mountPath), spec: scenario.spec)

            #expect(result.outcome == .done("unmounted \(scenario.mountPath)"))
            #expect(scenario.runner.count(of: "juicefs") == 1)
            #expect(scenario.stateStore.load().mountPaths == ["/elsewhere"])
        }
    }

    @Test func aPathThatIsNotMountedIsSkippedWithoutRunningAnything() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)

            let result = await scenario.executor.execute(
                scenario.action(.unmount(forceAllowed: true), scenario.mountPath), spec: scenario.spec)

            #expect(result.outcome == .skipped("\(scenario.mountPath) is not mounted"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aDeadMountIsDetachedLazilyWithUmount() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath, .failed(errno: ENOTCONN, message: "Transport endpoint is not connected"))
            scenario.runner.on(["umount", "-l", scenario.mountPath]) { _ in
                scenario.host.removeMountInfo(at: scenario.mountPath)
                return .success()
            }

            let result = await scenario.executor.execute(
                scenario.action(.unmount(forceAllowed: false), scenario.mountPath), spec: scenario.spec)

            #expect(result.outcome == .done("detached a dead mount"))
            #expect(scenario.runner.count(of: "juicefs") == 0)
            #expect(scenario.runner.commands.map(\.executable) == [VolumeScenario.tools.umount])
        }
    }
}
