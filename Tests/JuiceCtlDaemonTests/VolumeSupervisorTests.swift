import Foundation
import JuiceCtlCore
import JuiceCtlDaemon
import Testing

@testable import JuiceCtl

@Suite("Volume supervisor")
struct VolumeSupervisorTests {
    /// One supervised volume (`alpha`, baseDir a temporary directory) over a scripted reconciler and a manual clock.
    struct Setup {
        let spec: VolumeSpec
        let reconciler = ScriptedReconciler()
        let clock = ManualClock()
        let metrics = DaemonMetrics(version: "test")
        let supervisor: VolumeSupervisor
        let start: Date

        init(base: String, interval: Duration = .seconds(30), busyRetry: Duration = .seconds(5)) throws {
            spec = try DaemonSpec.make(name: "alpha", baseDir: base)
            start = clock.now
            supervisor = VolumeSupervisor(
                spec: spec,
                context: makeContext(
                    reconciler: reconciler, clock: clock.hostClock,
                    interval: interval, backoff: RetryBackoff(jitter: 0),
                    busyRetry: busyRetry, metrics: metrics))
        }

        var store: RunStatusStore { RunStatusStore(stateDir: spec.stateDir, host: LiveHost()) }
        var events: [VolumeEvent] { EventLog(stateDir: spec.stateDir, host: LiveHost()).recent(limit: 1000) }

        /// apply finds the storage holding another volume: the planner refuses.
        func refuse() {
            reconciler.onApply(spec.name, .report { Fixtures.report($0, remaining: Fixtures.plan($0, conflicts: [Fixtures.refusal])) })
            reconciler.onPlan(spec.name) { Fixtures.plan($0, conflicts: [Fixtures.refusal]) }
        }

        /// apply and plan find nothing to do.
        func converge() {
            reconciler.onApply(spec.name, .report { Fixtures.report($0) })
            reconciler.onPlan(spec.name) { Fixtures.plan($0) }
        }
    }

    // MARK: Backoff

    @Test func failuresBackOffExponentiallyAndASuccessResetsTheCount() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.reconciler.onApply("alpha", .error { _ in FakeFailure() })
            var delays: [TimeInterval] = []

            for expected in 1...3 {
                let now = setup.clock.now
                let status = await setup.supervisor.pass()
                #expect(status.lastReconcile?.result == .failed)
                #expect(status.retry.failures == expected)
                #expect(status.retry.lastError == "the fake apply failed")
                let next = try #require(status.retry.nextAttempt)
                delays.append(next.timeIntervalSince(now))
                let wake = await setup.supervisor.nextWake()
                #expect(wake == next, "the retry replaces the periodic pass")
                #expect(status.nextReconcile == next)
                #expect(status.condition(.stalled)?.status == false)
                #expect(status.condition(.stalled)?.reason == .retrying)
                setup.clock.advance(by: next.timeIntervalSince(now))
            }
            #expect(delays == [5, 10, 20])

            setup.converge()
            let passStart = setup.clock.now
            let status = await setup.supervisor.pass()

            #expect(status.lastReconcile?.result == .converged)
            #expect(status.retry == RetryState(), "count, retry and error are cleared")
            let wake = await setup.supervisor.nextWake()
            #expect(wake == passStart.addingTimeInterval(30), "back to the period")
            #expect(status.condition(.stalled)?.reason == .progressing)
            #expect(setup.reconciler.applies(of: "alpha") == 4)

            setup.reconciler.onApply("alpha", .error { _ in FakeFailure() })
            let again = setup.clock.now
            let failedAgain = await setup.supervisor.pass()
            #expect(failedAgain.retry.failures == 1)
            #expect(failedAgain.retry.nextAttempt == again.addingTimeInterval(5), "the backoff starts over")
        }
    }

    @Test func aFailedPassIsRecordedInTheEventLog() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.reconciler.onApply("alpha", .error { _ in FakeFailure() })

            await setup.supervisor.pass()

            let failures = setup.events.filter { $0.kind == .reconcile && $0.result == "failed" }
            #expect(failures.count == 1)
            #expect(failures.first?.message.contains("the fake apply failed; next attempt at ") == true, "\(failures)")
            #expect(failures.first?.actor == "run")
        }
    }

    // MARK: Stall

    @Test func aBlockingConflictStallsTheVolumeUntilANewRevision() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.refuse()

            let blocked = await setup.supervisor.pass()

            #expect(blocked.lastReconcile?.result == .blocked)
            #expect(blocked.retry.stall?.reason == .refuseFormatOverData)
            #expect(blocked.retry.stall?.revision == setup.spec.origin.revision)
            #expect(blocked.retry.failures == 0, "a refusal is not retried like a failure")
            #expect(blocked.condition(.stalled)?.status == true)
            #expect(blocked.condition(.stalled)?.reason == .conflict(.refuseFormatOverData))
            #expect(setup.reconciler.applies(of: "alpha") == 1)

            // Even an apply that would now succeed is not attempted: only observed.
            setup.reconciler.onApply("alpha", .report { Fixtures.report($0) })
            let plansBefore = setup.reconciler.plans(of: "alpha")
            for _ in 1...3 {
                setup.clock.advance(by: 30)
                let stalled = await setup.supervisor.pass()
                #expect(stalled.lastReconcile?.result == .stalled)
                #expect(stalled.condition(.stalled)?.status == true)
            }
            #expect(setup.reconciler.applies(of: "alpha") == 1, "no apply while stalled on the same revision")
            #expect(setup.reconciler.plans(of: "alpha") == plansBefore + 3, "each stalled pass observes")

            let edited = try DaemonSpec.make(name: "alpha", baseDir: base, "mount:\n  cacheSize: 2GiB\n")
            #expect(edited.origin.revision != setup.spec.origin.revision)
            await setup.supervisor.accept(edited)
            setup.clock.advance(by: 1)
            let resumed = await setup.supervisor.pass()

            #expect(setup.reconciler.applies(of: "alpha") == 2, "a new revision lifts the stall")
            #expect(setup.reconciler.appliedRevisions.last == edited.origin.revision)
            #expect(resumed.lastReconcile?.result == .converged)
            #expect(resumed.retry.stall == nil)
            #expect(resumed.revision == edited.origin.revision)
            #expect(resumed.condition(.stalled)?.status == false)
        }
    }

    @Test func acceptingTheSameRevisionKeepsTheStall() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.refuse()
            await setup.supervisor.pass()

            await setup.supervisor.accept(setup.spec)
            let status = await setup.supervisor.pass()

            #expect(status.lastReconcile?.result == .stalled)
            #expect(setup.reconciler.applies(of: "alpha") == 1)
        }
    }

    @Test func theStallLiftsItselfWhenTheRefusalIsGone() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.refuse()
            await setup.supervisor.pass()
            setup.clock.advance(by: 30)
            let stalled = await setup.supervisor.pass()
            #expect(stalled.lastReconcile?.result == .stalled)

            // Someone moved the foreign objects away: the planner no longer refuses.
            setup.converge()
            setup.clock.advance(by: 30)
            let status = await setup.supervisor.pass()

            #expect(setup.reconciler.applies(of: "alpha") == 2, "changes resume in the same pass")
            #expect(status.lastReconcile?.result == .converged)
            #expect(status.retry.stall == nil)
            #expect(status.condition(.stalled)?.status == false)
            let resumed = setup.events.filter { $0.kind == .reconcile && $0.result == "resumed" }
            #expect(resumed.map(\.reason) == ["RefuseFormatOverData"])
        }
    }

    // MARK: Busy

    @Test func aBusyLockCountsNoFailureAndRetriesSoon() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base, interval: .seconds(30), busyRetry: .seconds(5))
            setup.reconciler.onApply("alpha", .error { Fixtures.busy($0) })
            let now = setup.clock.now

            let status = await setup.supervisor.pass()

            #expect(status.lastReconcile?.result == .busy)
            #expect(status.retry.failures == 0)
            #expect(status.retry.nextAttempt == nil)
            #expect(status.condition(.stalled)?.status == false)
            let wake = await setup.supervisor.nextWake()
            #expect(wake > now && wake <= now.addingTimeInterval(5), "within busyRetry, not the 30 s period")
            #expect(status.nextReconcile == wake)
        }
    }

    // MARK: Status file

    @Test func theStatusFileHasConditionsPassesAndTheNextPassAndKeepsSince() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.converge()

            await setup.supervisor.pass()
            let first = try #require(setup.store.load())

            #expect(first.volume == "alpha")
            #expect(first.revision == setup.spec.origin.revision)
            #expect(first.daemon.pid == getpid())
            #expect(Set(first.conditions.map(\.type)).isSuperset(of: [.ready, .stalled]), "\(first.conditions.map(\.type))")
            #expect(first.condition(.stalled)?.status == false)
            #expect(first.lastReconcile?.result == .converged)
            #expect(first.lastReconcile?.startedAt == setup.start)
            #expect(first.lastConverged == setup.start)
            #expect(first.nextReconcile == setup.start.addingTimeInterval(30))
            #expect(first.conditions.allSatisfy { $0.since == setup.start }, "\(first.conditions)")

            setup.clock.advance(by: 30)
            await setup.supervisor.pass()
            let second = try #require(setup.store.load())

            #expect(second.lastReconcile?.startedAt == setup.start.addingTimeInterval(30))
            #expect(second.updatedAt == setup.start.addingTimeInterval(30))
            #expect(second.conditions.map(\.type) == first.conditions.map(\.type))
            #expect(second.conditions.allSatisfy { $0.since == setup.start }, "an unchanged status keeps its since: \(second.conditions)")

            // The volume is refused: Stalled flips, and its since moves.
            setup.refuse()
            setup.clock.advance(by: 30)
            await setup.supervisor.pass()
            let third = try #require(setup.store.load())
            #expect(third.condition(.stalled)?.status == true)
            #expect(third.condition(.stalled)?.since == setup.start.addingTimeInterval(60))
            #expect(third.lastReconcile?.result == .blocked)
            #expect(third.lastConverged == setup.start.addingTimeInterval(30))
            let stalledEvents = setup.events.filter { $0.kind == .condition && $0.condition == "Stalled" }
            #expect(stalledEvents.map(\.status) == [false, true], "a condition event when it appears and when it flips")
        }
    }

    @Test func noStatusFileIsWrittenForAVolumeWhoseBaseDirDoesNotExist() async throws {
        try await withTemporaryDirectory { base in
            let spec = try DaemonSpec.make(name: "alpha", baseDir: "\(base)/not-created")
            let supervisor = VolumeSupervisor(
                spec: spec, context: makeContext(reconciler: ScriptedReconciler(), clock: ManualClock().hostClock))

            let status = await supervisor.pass()

            #expect(status.lastReconcile?.result == .converged)
            #expect(!FileManager.default.fileExists(atPath: "\(base)/not-created"), "a volume never created stays uncreated")
        }
    }

    // MARK: Spec errors

    @Test func aRejectedSpecIsRecordedInTheStatusFileWhileTheLastGoodOneStays() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.converge()
            await setup.supervisor.pass()
            let messages = ["/etc/juicectl/alpha.yaml:5:14: error: mount.cacheSize: 'lots' is not a size"]

            setup.clock.advance(by: 5)
            await setup.supervisor.reject(messages)

            let status = try #require(setup.store.load())
            #expect(status.specError?.messages == messages)
            #expect(status.specError?.since == setup.start.addingTimeInterval(5))
            #expect(status.revision == setup.spec.origin.revision, "the last good revision stays in force")
            let inForce = await setup.supervisor.spec
            #expect(inForce == setup.spec)
            #expect(setup.events.filter { $0.kind == .spec }.map(\.result) == ["rejected"])

            // The next pass still runs on the last good spec and keeps the error (and its since).
            setup.clock.advance(by: 25)
            await setup.supervisor.reject(messages)
            await setup.supervisor.pass()
            let later = try #require(setup.store.load())
            #expect(later.specError?.since == setup.start.addingTimeInterval(5))
            #expect(setup.reconciler.appliedRevisions.allSatisfy { $0 == setup.spec.origin.revision })
            #expect(setup.events.filter { $0.kind == .spec }.count == 1, "the same rejection is recorded once")

            // Fixed: the error goes.
            await setup.supervisor.accept(setup.spec)
            await setup.supervisor.pass()
            let fixed = try #require(setup.store.load())
            #expect(fixed.specError == nil)
            #expect(setup.events.filter { $0.kind == .spec }.map(\.result) == ["rejected", "accepted"])
        }
    }

    // MARK: Metrics

    @Test func passesAreCountedInTheMetricsByResult() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.converge()
            await setup.supervisor.pass()
            setup.clock.advance(by: 30)
            await setup.supervisor.pass()
            setup.reconciler.onApply("alpha", .error { _ in FakeFailure() })
            setup.clock.advance(by: 30)
            await setup.supervisor.pass()

            let text = setup.metrics.render()

            #expect(text.contains(#"juicectl_reconciles_total{volume="alpha",result="converged"} 2"#), "\(text)")
            #expect(text.contains(#"juicectl_reconciles_total{volume="alpha",result="failed"} 1"#))
            #expect(text.contains(#"juicectl_reconcile_errors_total{volume="alpha",kind="transient"} 1"#))
            #expect(text.contains(#"juicectl_consecutive_failures{volume="alpha"} 1"#))
            #expect(text.contains(#"juicectl_volume_condition{volume="alpha",condition="Stalled"} 0"#))
            #expect(text.contains(#"juicectl_build_info{version="test"} 1"#))
        }
    }

    @Test func actionsAreCountedInTheMetricsByKindAndResult() async throws {
        try await withTemporaryDirectory { base in
            let setup = try Setup(base: base)
            setup.reconciler.onApply(
                "alpha",
                .report { spec in
                    Fixtures.report(
                        spec,
                        results: [Fixtures.done(Fixtures.action(.createDirectory, "/x")), Fixtures.done(Fixtures.action(.setQuota, "/x"))])
                })

            await setup.supervisor.pass()

            let text = setup.metrics.render()
            #expect(text.contains(#"juicectl_actions_total{volume="alpha",action="create-directory",result="done"} 1"#), "\(text)")
            #expect(text.contains(#"juicectl_actions_total{volume="alpha",action="set-quota",result="done"} 1"#))
        }
    }
}
