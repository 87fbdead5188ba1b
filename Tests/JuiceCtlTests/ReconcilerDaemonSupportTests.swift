import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// What the reconciler offers `juicectl run`: suspension, a stop between actions, and the event log.
@Suite("Reconciler: daemon support")
struct ReconcilerDaemonSupportTests {
    /// `fixvol` mounted and converged (no backup), whose spec adds two quotas on directories that do not exist yet:
    /// the plan creates `/projects`, `/projects/a`, `/projects/b` and sets both quotas. juicefs is a ``FakeJuiceFS``.
    static func scenario(_ base: String, extra: String = "") throws -> CheckpointScenario {
        let scenario = try CheckpointScenario(
            baseDir: base,
            """
            backup:
              enabled: false
            quotas:
              - path: /active/fs
                capacity: 10TiB
              - path: /projects/a
                capacity: 1GiB
              - path: /projects/b
                capacity: 2GiB
            \(extra)
            """)
        // The command line this spec mounts with (the fixture's was mounted from another baseDir).
        scenario.host.setProcess(
            VolumeScenario.pid, commandLine: [VolumeScenario.tools.juicefs] + MountCommand.arguments(for: scenario.spec))
        scenario.clearCalls()
        return scenario
    }

    static func reconciler(_ scenario: CheckpointScenario, _ configure: (inout Reconciler.Configuration) -> Void = { _ in }) -> Reconciler {
        var configuration = Reconciler.Configuration()
        configure(&configuration)
        return Reconciler(
            host: scenario.host, runner: scenario.runner, tools: VolumeScenario.tools, logger: .quiet,
            configuration: configuration)
    }

    /// Host calls that change something.
    static let mutatingCalls = [
        "mkdir ", "createLocalDirectory ", "writeLocalFile ", "rename ", "removeLocalItem ", "moveLocalItem ",
        "signal ", "createSparseFile ", "copyOwnership ",
    ]

    /// juicefs subcommands that only read.
    static let readOnlyCommands: Set<String> = ["status", "quota get", "quota list"]

    static func juicefsSubcommand(_ argv: [String]) -> String {
        argv.dropFirst().prefix(argv.dropFirst().first == "quota" ? 2 : 1).joined(separator: " ")
    }

    /// The event log the reconciler wrote, on the scenario's fake host.
    static func events(_ scenario: CheckpointScenario) -> [VolumeEvent] {
        EventLog(stateDir: scenario.spec.stateDir, host: scenario.host).recent(limit: 1000)
    }

    @Test func theScenarioPlansSeveralChanges() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)

            let (plan, _) = await Self.reconciler(scenario).plan(scenario.spec)

            #expect(plan.conflicts.isEmpty, "\(plan.conflicts)")
            #expect(
                plan.actions.map(\.kind) == [.createDirectory, .createDirectory, .createDirectory, .setQuota, .setQuota], "\(plan.actions)")
        }
    }

    // MARK: Suspension

    @Test func aSuspendedSpecIsObservedAndPlannedButNothingIsChanged() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "suspend:\n  reason: disk replacement\n")
            let reconciler = Self.reconciler(scenario)
            let drift = await reconciler.plan(scenario.spec).plan

            let report = try await reconciler.apply(scenario.spec) { result in
                Issue.record("a suspended apply ran \(result.action.kind.rawValue) \(result.action.target)")
            }

            #expect(report.suspended)
            #expect(!report.interrupted)
            #expect(report.results.isEmpty)
            #expect(report.remaining.actions.count == 5, "the drift is reported")
            #expect(report.remaining.actions == drift.actions)
            #expect(!report.converged)
            #expect(report.observation != nil)
            let calls = scenario.host.calls
            #expect(!calls.isEmpty, "the volume was observed")
            #expect(calls.filter { call in Self.mutatingCalls.contains { call.hasPrefix($0) } }.isEmpty, "\(calls)")
            #expect(scenario.host.createdDirectories.isEmpty)
            let subcommands = scenario.runner.argvs.map(Self.juicefsSubcommand)
            #expect(subcommands.allSatisfy(Self.readOnlyCommands.contains), "\(scenario.runner.argvs)")
            #expect(scenario.juicefs.quotaPaths.keys.sorted() == ["/active/fs"], "no quota was set")
            #expect(!calls.contains("lock \(scenario.spec.stateDir)/lock"), "no lock is taken")
            #expect(scenario.host.snapshot.fileContents[scenario.spec.stateDir + "/events.jsonl"] == nil, "nothing ran, nothing to record")
        }
    }

    @Test func theSameSpecWithoutSuspendConverges() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)

            let report = try await Self.reconciler(scenario).apply(scenario.spec)

            #expect(!report.suspended)
            #expect(report.converged, "\(report.results.map(\.outcome)) \(report.remaining.actions)")
            #expect(report.results.map(\.action.kind) == [.createDirectory, .createDirectory, .createDirectory, .setQuota, .setQuota])
            #expect(scenario.juicefs.quotaPaths.keys.sorted() == ["/active/fs", "/projects/a", "/projects/b"])
        }
    }

    // MARK: Stop requests

    @Test func aStopRequestAfterTheFirstActionLeavesTheRestNotRunAndTheRunInterrupted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let stop = Captured<Bool>()
            let reconciler = Self.reconciler(scenario) { $0.shouldStop = { stop.value ?? false } }
            let seen = Captured<[ActionResult]>()

            let report = try await reconciler.apply(scenario.spec) { result in
                seen.set((seen.value ?? []) + [result])
                stop.set(true)
            }

            #expect(report.interrupted)
            #expect(!report.converged)
            #expect(report.results.count == 5, "every planned action is reported")
            #expect(report.results.first?.outcome.doneText != nil, "\(report.results.map(\.outcome))")
            #expect(
                report.results.dropFirst().allSatisfy { $0.outcome == .notRun(.stopped) },
                "\(report.results.map(\.outcome))")
            #expect(report.results.dropFirst().allSatisfy { Reconciler.wasStopped($0) })
            #expect(seen.value == report.results, "each result was reported as it ended")
            #expect(scenario.host.createdDirectories.count == 1, "only the first action changed the volume")
            #expect(scenario.runner.commands(startingWith: ["juicefs", "quota", "set"]).isEmpty)
            #expect(report.remaining.actions.count == 4, "what was not run is still pending")
            #expect(!report.failed, "held back is not failed")
        }
    }

    @Test func aStopRequestedBeforeTheRunStartsNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let reconciler = Self.reconciler(scenario) { $0.shouldStop = { true } }

            let report = try await reconciler.apply(scenario.spec)

            #expect(report.interrupted)
            #expect(report.results.isEmpty)
            #expect(report.remaining.actions.count == 5)
            #expect(scenario.host.createdDirectories.isEmpty)
        }
    }

    // MARK: Event log

    @Test func everyActionIsRecordedWithItsResultAndDurationPlusOneReconcileEvent() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let reconciler = Self.reconciler(scenario) { $0.actor = "run" }

            let report = try await reconciler.apply(scenario.spec)

            let events = Self.events(scenario)
            let actions = events.filter { $0.kind == .action }
            let runs = events.filter { $0.kind == .reconcile }
            #expect(events.count == report.results.count + 1)
            #expect(actions.count == report.results.count)
            for (event, result) in zip(actions, report.results) {
                #expect(event.action == result.action.kind.rawValue)
                #expect(event.target == result.action.target)
                #expect(event.result == "done")
                #expect(event.durationMs == result.milliseconds)
                #expect(event.message == result.outcome.doneText)
                #expect(event.volume == "fixvol")
                #expect(event.revision == scenario.spec.origin.revision)
                #expect(event.actor == "run")
                #expect(event.operation == "apply")
            }
            let run = try #require(runs.first)
            #expect(runs.count == 1)
            #expect(run.result == "converged")
            #expect(run.durationMs != nil)
            #expect(run.message.contains("5 action(s), 0 failed"), "\(run.message)")
            #expect(events.last == run, "the run is recorded after its actions")
        }
    }

    @Test func heldBackAndFailedActionsAreRecordedWithTheirResults() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.runner.on(
                prefix: ["juicefs", "quota", "set"], .failure(stderr: "<FATAL>: quota: permission denied [main@main.go:31]\n"))
            let reconciler = Self.reconciler(scenario)

            let report = try await reconciler.apply(scenario.spec)

            #expect(report.failed)
            let events = Self.events(scenario)
            let results = events.filter { $0.kind == .action }.map { "\($0.action ?? "") \($0.target ?? "") \($0.result ?? "")" }
            #expect(
                results == [
                    "create-directory /projects done", "create-directory /projects/a done", "create-directory /projects/b done",
                    "set-quota /projects/a failed", "set-quota /projects/b failed",
                ], "\(results)")
            #expect(events.filter { $0.kind == .reconcile }.map(\.result) == ["failed"])
        }
    }

    @Test func anInterruptedRunIsRecordedAsInterruptedWithItsNotRunActions() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let stop = Captured<Bool>()
            let reconciler = Self.reconciler(scenario) { $0.shouldStop = { stop.value ?? false } }

            _ = try await reconciler.apply(scenario.spec) { _ in stop.set(true) }

            let events = Self.events(scenario)
            #expect(events.filter { $0.kind == .action }.map(\.result) == ["done", "not-run", "not-run", "not-run", "not-run"])
            #expect(
                events.filter { $0.result == "not-run" }.allSatisfy {
                    $0.message == ActionOutcomeRenderer.text(.stopped) && $0.durationMs == 0
                })
            #expect(events.filter { $0.kind == .reconcile }.map(\.result) == ["interrupted"])
        }
    }

    @Test func recordEventsFalseWritesNoEventLog() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let reconciler = Self.reconciler(scenario) { $0.recordEvents = false }

            let report = try await reconciler.apply(scenario.spec)

            #expect(report.converged)
            #expect(scenario.host.snapshot.fileContents[scenario.spec.stateDir + "/events.jsonl"] == nil)
        }
    }

    @Test func aRunWithNothingToDoRecordsNoEvent() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let reconciler = Self.reconciler(scenario)
            _ = try await reconciler.apply(scenario.spec)
            let before = Self.events(scenario).count

            let again = try await reconciler.apply(scenario.spec)

            #expect(again.results.isEmpty)
            #expect(again.converged)
            #expect(Self.events(scenario).count == before)
        }
    }
}
