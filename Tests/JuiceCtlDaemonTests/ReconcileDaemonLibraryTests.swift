import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlDaemon
import JuiceCtlTestSupport
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@Suite("Reconcile daemon, library initialiser")
struct ReconcileDaemonLibraryTests {
    @Test func theLibraryInitialiserPassesEachVolumeThroughItsReconcilerWritesTheStatusAndStopsOnShutdown() async throws {
        try await withTemporaryDirectory { base in
            let (directory, specs) = try ReconcileDaemonTests.specs(base, names: ["alpha"])
            // No program answers: the pass fails (the daemon retries), which is what the status then says.
            let runner = FakeCommandRunner()
            let reconciler = Reconciler(
                runner: runner,
                tools: Tools(juicefs: "/nonexistent/juicefs", umount: "/nonexistent/umount", litestream: "/nonexistent/litestream"),
                logger: Logger(label: "test"))
            let clock = ManualClock()
            let daemon = ReconcileDaemon(
                specs: specs, configuration: DaemonConfiguration(paths: [directory], interval: .milliseconds(100)),
                reconciler: reconciler, logger: Logger(label: "test"), clock: clock.hostClock)
            let store = RunStatusStore(stateDir: specs[0].stateDir, host: LiveHost())

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await daemon.run() }
                    let passed = await clock.run(for: .seconds(60)) { store.load()?.lastReconcile != nil }
                    #expect(passed, "no pass recorded")
                    trigger.triggerGracefulShutdown()
                    try await group.next()
                }
            }
            let status = try #require(store.load())
            #expect(status.volume == "alpha")
            #expect(status.lastReconcile?.result != .converged)
        }
    }
}
