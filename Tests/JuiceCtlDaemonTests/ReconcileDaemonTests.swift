import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlDaemon
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@Suite("Reconcile daemon")
struct ReconcileDaemonTests {
    /// Spec files `alpha.yaml` and `beta.yaml` in `<base>/specs`, their volumes' base directories created.
    static func specs(_ base: String, names: [String] = ["alpha", "beta"]) throws -> (directory: String, specs: [VolumeSpec]) {
        let directory = "\(base)/specs"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: true)
            try DaemonSpec.write("\(directory)/\(name).yaml", name: name, baseDir: "\(base)/\(name)")
        }
        let loaded = SpecLoader().load(paths: [directory])
        #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
        return (directory, loaded.specs)
    }

    /// A daemon over the files in `directory` in `clock`'s virtual time, passing every 100 ms and retrying failures
    /// after 20 ms.
    static func daemon(
        _ directory: String, specs: [VolumeSpec], reconciler: ScriptedReconciler, stop: StopFlag, clock: ManualClock
    ) -> ReconcileDaemon {
        let context = makeContext(
            reconciler: reconciler, clock: clock.hostClock, paths: [directory], interval: .milliseconds(100),
            backoff: RetryBackoff(initial: .milliseconds(20), maximum: .milliseconds(40), jitter: 0),
            stop: stop)
        return ReconcileDaemon(specs: specs, context: context)
    }

    static func events(_ base: String, _ name: String) -> [VolumeEvent] {
        EventLog(stateDir: "\(base)/\(name)/.juicectl", host: LiveHost()).recent(limit: 10_000)
    }

    @Test func everyVolumeIsPassedAndAFailingOneDoesNotHoldUpTheOthers() async throws {
        try await withTemporaryDirectory { base in
            let (directory, specs) = try Self.specs(base)
            let reconciler = ScriptedReconciler()
            reconciler.onApply("alpha", .error { _ in FakeFailure() })
            let stop = StopFlag()
            let clock = ManualClock()
            let daemon = Self.daemon(directory, specs: specs, reconciler: reconciler, stop: stop, clock: clock)

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await daemon.run() }

                    let both = await clock.run(for: .seconds(60)) {
                        reconciler.applies(of: "alpha") >= 4 && reconciler.applies(of: "beta") >= 3
                    }
                    #expect(both, "alpha \(reconciler.applies(of: "alpha")), beta \(reconciler.applies(of: "beta"))")

                    trigger.triggerGracefulShutdown()
                    try await group.next()
                }
            }

            #expect(stop.isSet)
            let supervisors = daemon.supervisors
            #expect(supervisors.keys.sorted() == ["alpha", "beta"])
            let alpha = try #require(await supervisors["alpha"]?.status)
            let beta = try #require(await supervisors["beta"]?.status)
            #expect(alpha.lastReconcile?.result == .failed)
            #expect(alpha.retry.failures >= 3, "alpha keeps failing: \(alpha.retry)")
            #expect(beta.lastReconcile?.result == .converged)
            #expect(beta.retry.failures == 0, "beta converges regardless")

            let alphaFile = try #require(RunStatusStore(stateDir: "\(base)/alpha/.juicectl", host: LiveHost()).load())
            let betaFile = try #require(RunStatusStore(stateDir: "\(base)/beta/.juicectl", host: LiveHost()).load())
            #expect(alphaFile.lastReconcile?.result == .failed)
            #expect(betaFile.lastReconcile?.result == .converged)
            for name in ["alpha", "beta"] {
                let daemonEvents = Self.events(base, name).filter { $0.kind == .daemon }.map(\.result)
                #expect(daemonEvents == ["started", "stopped"], "\(name): \(daemonEvents)")
            }
        }
    }

    @Test func gracefulShutdownWaitsForTheRunningApplyAndStartsNoOther() async throws {
        try await withTemporaryDirectory { base in
            let (directory, specs) = try Self.specs(base)
            let reconciler = ScriptedReconciler()
            reconciler.hold("alpha")
            let stop = StopFlag()
            let clock = ManualClock()
            let daemon = Self.daemon(directory, specs: specs, reconciler: reconciler, stop: stop, clock: clock)
            let returned = StopFlag() // a set-once flag: set when run() returned

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await daemon.run()
                        returned.set()
                    }
                    let entered = await clock.run(for: .seconds(60)) {
                        reconciler.applies(of: "alpha") == 1 && reconciler.applies(of: "beta") >= 1
                    }
                    #expect(entered)

                    trigger.triggerGracefulShutdown()

                    let stopSet = await reconciler.waitUntil { _ in stop.isSet }
                    #expect(stopSet, "the daemon sets the context's stop flag")
                    // Give the daemon ample opportunity to return early (it must not): a minute of its time.
                    await clock.run(for: .seconds(60)) { returned.isSet }
                    #expect(!returned.isSet, "run() waits for the apply in progress")
                    #expect(!reconciler.finishedApplies.contains("alpha"))
                    let betaAtStop = reconciler.applies(of: "beta")

                    reconciler.release("alpha")
                    try await group.next()

                    #expect(returned.isSet)
                    #expect(reconciler.applies(of: "alpha") == 1, "no apply starts after the stop")
                    #expect(reconciler.finishedApplies.filter { $0 == "alpha" }.count == 1, "the held apply finished")
                    #expect(reconciler.applies(of: "beta") == betaAtStop)
                }
            }

            // The held pass was recorded before run() returned.
            let alpha = try #require(RunStatusStore(stateDir: "\(base)/alpha/.juicectl", host: LiveHost()).load())
            #expect(alpha.lastReconcile?.result == .converged)
            #expect(Self.events(base, "alpha").last?.result == "stopped")
            // Nothing runs on after run() returned, however long the time runs.
            let after = reconciler.applied.count
            await clock.run(for: .seconds(60))
            #expect(clock.sleeping == 0)
            #expect(reconciler.applied.count == after)
        }
    }

    @Test func aSpecFileAddedWhileRunningIsPickedUpAndARemovedOneIsNoLongerManaged() async throws {
        try await withTemporaryDirectory { base in
            let (directory, specs) = try Self.specs(base)
            let reconciler = ScriptedReconciler()
            let stop = StopFlag()
            let clock = ManualClock()
            let daemon = Self.daemon(directory, specs: specs, reconciler: reconciler, stop: stop, clock: clock)

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await daemon.run() }
                    let started = await clock.run(for: .seconds(60)) {
                        reconciler.applies(of: "alpha") >= 1 && reconciler.applies(of: "beta") >= 1
                    }
                    #expect(started)

                    try DaemonSpec.write("\(directory)/gamma.yaml", name: "gamma", baseDir: "\(base)/gamma")
                    let added = await clock.run(for: .seconds(60)) { reconciler.applies(of: "gamma") >= 1 }
                    #expect(added, "the periodic re-read adds the volume")

                    try FileManager.default.removeItem(atPath: "\(directory)/beta.yaml")
                    let removed = await clock.run(for: .seconds(60)) { daemon.supervisors["beta"] == nil }
                    #expect(removed, "beta is no longer managed")
                    await clock.run(for: .seconds(1))
                    let betaAfter = reconciler.applies(of: "beta")
                    await clock.run(for: .seconds(1))
                    #expect(reconciler.applies(of: "beta") == betaAfter, "its supervisor stopped passing")
                    #expect(daemon.supervisors.keys.sorted() == ["alpha", "gamma"])

                    trigger.triggerGracefulShutdown()
                    try await group.next()
                }
            }
        }
    }
}
