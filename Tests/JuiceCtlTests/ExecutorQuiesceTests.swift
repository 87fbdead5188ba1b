import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@testable import JuiceCtl

/// Checkpoint create with `checkpoints.quiesce`, on the fake host: hooks, freezes and thaws of cgroup v1 and v2
/// freezers, in the order that makes the clone one instant, and every way a freeze can go wrong.
@Suite("Executor: quiesced checkpoint")
struct ExecutorQuiesceTests {
    static let v1 = "/sys/fs/cgroup/freezer/sandbox-1"
    static let v2 = "/sys/fs/cgroup/unified/sandbox-1"

    /// A converged volume whose spec quiesces `cgroups` (both freezers exist and run), with a watchdog that starts.
    static func scenario(_ base: String, cgroups: [String] = [v1, v2], extra: String = "") throws -> CheckpointScenario {
        let list = cgroups.map { "\"\($0)\"" }.joined(separator: ", ")
        let scenario = try CheckpointScenario(baseDir: base, "checkpoints:\n  quiesce:\n    cgroups: [\(list)]\n\(extra)")
        scenario.host.addCgroup(v1, version: .v1, hierarchy: "/sys/fs/cgroup/freezer")
        scenario.host.addCgroup(v2, version: .v2, hierarchy: "/sys/fs/cgroup/unified")
        scenario.runner.on(prefix: ["sh", "-c", FreezeWatchdog.script]) { [host = scenario.host] _ in
            host.update { $0.calls.append("run watchdog") }
            return .success("4242\n")
        }
        scenario.clearCalls()
        return scenario
    }

    /// A hook program that logs `run hook <name>` in the host's calls and answers `result`.
    static func hook(_ scenario: CheckpointScenario, _ program: String, _ result: CommandResult = .success()) {
        scenario.runner.on(prefix: [program]) { [host = scenario.host] _ in
            host.update { $0.calls.append("run hook \(program)") }
            return result
        }
    }

    /// The calls that show the order of a quiesced checkpoint: hooks, watchdog, freezer writes, clone, record.
    static func order(_ scenario: CheckpointScenario) -> [String] {
        scenario.host.calls.compactMap { call -> String? in
            if call.hasPrefix("run hook ") || call == "run watchdog" || call.hasPrefix("lock ") || call.hasPrefix("unlock ") { return call }
            if call.hasPrefix("writeControlFile ") { return call }
            if call.hasPrefix("run juicefs clone") { return "clone" }
            if call.contains("freeze.json") && (call.hasPrefix("writeLocalFile") || call.hasPrefix("removeLocalItem")) {
                return call.hasPrefix("write") ? "record written" : "record removed"
            }
            return nil
        }.map { $0.replacingOccurrences(of: scenario.spec.stateDir, with: "STATE") }
    }

    @Test func everyCgroupIsFrozenFromJustBeforeTheCloneUntilJustAfterItBetweenThePreAndPostHooks() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(
                base, extra: "    pre: [[\"/opt/app-flush\", \"--fast\"]]\n    post: [[\"/opt/app-resume\"]]\n")
            Self.hook(scenario, "app-flush")
            Self.hook(scenario, "app-resume")

            let result = await scenario.executor.execute(
                Action(.createCheckpoint(.init(name: "pit")), .create, target: "pit", reason: "test"), spec: scenario.spec)

            let text = try #require(result.outcome.doneText, "\(result.outcome)")
            #expect(text.contains("point in time: sandbox frozen for "), "\(text)")
            #expect(
                Self.order(scenario) == [
                    "run hook app-flush",
                    "lock STATE/freeze.lock", "record written", "run watchdog",
                    "writeControlFile \(Self.v1)/freezer.state FROZEN", "writeControlFile \(Self.v2)/cgroup.freeze 1",
                    "clone",
                    "writeControlFile \(Self.v2)/cgroup.freeze 0", "writeControlFile \(Self.v1)/freezer.state THAWED",
                    "record removed", "unlock STATE/freeze.lock",
                    "run hook app-resume",
                ])
            #expect(scenario.host.freezerText(Self.v1) == "THAWED\n")
            #expect(scenario.host.freezerText(Self.v2)?.contains("frozen 0") == true)
            let details = try #require(result.details)
            #expect(details.frozenMilliseconds != nil)
            #expect(details.frozenCgroups == [Self.v1, Self.v2])
            #expect(details.pointInTime == true)
            #expect(scenario.exists("/checkpoints/pit"))
        }
    }

    @Test func hooksRunInACleanEnvironmentThatNamesTheVolumeAndTheCheckpoint() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "    pre: [[\"/opt/app-flush\"]]\n    hookTimeout: 3s\n")
            Self.hook(scenario, "app-flush")

            _ = await scenario.create("named")

            let hook = try #require(scenario.runner.commands(startingWith: ["app-flush"]).first)
            #expect(hook.inherits.isEmpty, "a hook never sees juicectl's environment (or a volume's secrets)")
            #expect(
                hook.environment == [
                    "JUICECTL_VOLUME": "fixvol", "JUICECTL_CHECKPOINT": "named",
                    "JUICECTL_MOUNT": scenario.mountPath, "JUICECTL_HOOK": "pre",
                ])
            #expect(hook.timeout == .seconds(3))
            #expect(hook.executable == "/opt/app-flush")
        }
    }

    @Test func aFailingPreHookFailsTheCheckpointAfterThePostHookRanAndFreezesNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "    pre: [[\"/opt/app-flush\"]]\n    post: [[\"/opt/app-resume\"]]\n")
            Self.hook(scenario, "app-flush", .failure(exit: 3, stderr: "line one\ndatabase busy\n", stdout: "flushing\n"))
            Self.hook(scenario, "app-resume")

            let outcome = await scenario.create("nope")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(text.contains("the quiesce pre hook `/opt/app-flush` failed (exit 3)"), "\(text)")
            #expect(text.contains("database busy"), "the output's tail is shown: \(text)")
            #expect(Self.order(scenario) == ["run hook app-flush", "run hook app-resume"])
            #expect(!scenario.exists("/checkpoints/nope"))
            #expect(scenario.runner.count(of: "juicefs") == 0)
        }
    }

    @Test func aHookPastHookTimeoutFailsTheCheckpointNamingTheTimeout() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "    post: [[\"/opt/app-resume\"]]\n    hookTimeout: 2s\n")
            Self.hook(scenario, "app-resume", .timedOut)

            let outcome = await scenario.create("late")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(text.contains("the quiesce post hook `/opt/app-resume` failed (it ran past hookTimeout 2s)"), "\(text)")
            #expect(!scenario.exists("/checkpoints/late"), "a failed post hook fails the checkpoint: nothing is listed")
            #expect(scenario.names(under: VolumeLayout.staging).isEmpty, "its staging clone was removed")
            #expect(scenario.host.freezerText(Self.v1) == "THAWED\n", "the thaw came before the post hook")
        }
    }

    @Test func aCloneThatWouldOutlastMaxFrozenIsAbandonedThawedAndNamesTheLimitAndTheTreeSize() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "    maxFrozen: 150ms\n")
            let cancelled = Flag()
            scenario.runner.on(prefix: ["juicefs", "clone"]) { _ in
                try? await Task.sleep(for: .seconds(20))
                if Task.isCancelled { cancelled.set() }
                return .timedOut
            }
            scenario.runner.on(prefix: ["juicefs", "summary"], .success("PATH,SIZE,DIRS,FILES\n/,209715200,51,50140\n"))
            let clock = ContinuousClock()
            let start = clock.now

            let result = await scenario.executor.execute(
                Action(.createCheckpoint(.init(name: "big")), .create, target: "big", reason: "test"), spec: scenario.spec)

            #expect(clock.now - start < .seconds(15), "the clone (20 s) was cancelled, not waited for")
            let text = try #require(result.outcome.failureText, "\(result.outcome)")
            #expect(text.contains("past checkpoints.quiesce.maxFrozen (150ms)"), "\(text)")
            #expect(text.contains("50,140 files and 51 directories (200MiB)"), "\(text)")
            #expect(cancelled.value, "the clone was cancelled")
            #expect(scenario.host.freezerText(Self.v1) == "THAWED\n")
            #expect(scenario.host.freezerText(Self.v2)?.contains("frozen 0") == true)
            #expect(!scenario.host.fileExists(scenario.spec.freezeRecordFile), "the record goes with the thaw")
            #expect(!scenario.exists("/checkpoints/big"))
            // The thaw came before anything else after the deadline.
            let order = Self.order(scenario)
            let thaw = try #require(order.firstIndex(of: "writeControlFile \(Self.v1)/freezer.state THAWED"))
            #expect(order[..<thaw].filter { $0.hasPrefix("writeControlFile") }.count == 3)
        }
    }

    @Test func aCgroupThatDoesNotReportFrozenInTimeIsThawedAndTheCheckpointFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, extra: "    maxFrozen: 50ms\n")
            scenario.host.update { $0.unfreezableCgroups = [Self.v2] }

            let outcome = await scenario.create("stuck")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(text.contains("\(Self.v2) did not report frozen within"), "\(text)")
            #expect(scenario.runner.commands(startingWith: ["juicefs", "clone"]).isEmpty, "nothing is cloned unconfirmed")
            #expect(scenario.host.freezerText(Self.v1) == "THAWED\n")
            #expect(scenario.host.text(of: "\(Self.v2)/cgroup.freeze") == "0\n")
        }
    }

    @Test func aCgroupFrozenBeforeTheCheckpointIsLeftFrozenAndAnAbsentOneIsNoted() async throws {
        try await withTemporaryDirectory { base in
            let absent = "/sys/fs/cgroup/unified/stopped-sandbox"
            let scenario = try Self.scenario(base, cgroups: [Self.v1, Self.v2, absent])
            scenario.host.addCgroup(Self.v2, version: .v2, hierarchy: "/sys/fs/cgroup/unified", frozen: true)
            scenario.clearCalls()

            let outcome = await scenario.create("mixed")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("already frozen before: \(Self.v2)"), "\(text)")
            #expect(text.contains("no such cgroup, nothing to freeze: \(absent)"), "\(text)")
            #expect(!Self.order(scenario).contains { $0.contains(Self.v2) }, "juicectl neither freezes nor thaws what it did not freeze")
            #expect(scenario.host.freezerText(Self.v2)?.contains("frozen 1") == true)
        }
    }

    @Test func aCgroupHoldingJuicectlOrTheJuicefsClientIsRefusedBeforeAnyFreeze() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.host.setProcessCgroups("\(VolumeScenario.pid)", ["6:freezer:/sandbox-1/inner", "0::/"])

            let outcome = await scenario.create("self")

            let text = try #require(outcome.failureText, "\(outcome)")
            #expect(text.contains("quiesce cgroup \(Self.v1) holds the volume's juicefs client (pid \(VolumeScenario.pid))"), "\(text)")
            #expect(!Self.order(scenario).contains { $0.hasPrefix("writeControlFile") })
        }
    }

    @Test func aPathThatIsNotAFreezerOrAHierarchyRootIsRefused() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base, cgroups: ["/sys/fs/cgroup/unified"])

            let outcome = await scenario.create("root")

            #expect(outcome.failureText?.contains("it is the root of a cgroup hierarchy, which cannot be frozen") == true, "\(outcome)")
        }
    }

    @Test func withoutQuiesceTheResultSaysTheTreeIsNotOneInstant() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)

            let result = await scenario.executor.execute(
                Action(.createCheckpoint(.init(name: "plain")), .create, target: "plain", reason: "test"), spec: scenario.spec)

            #expect(result.outcome.doneText?.contains("not quiesced: each file is consistent, the tree is not one instant") == true)
            #expect(result.details?.pointInTime == false)
            #expect(result.details?.frozenMilliseconds == nil)
        }
    }

    @Test func aFreezeLeftByAKilledCheckpointIsThawedAndItsRecordRemoved() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let cgroup = FreezableCgroup(path: Self.v1, version: .v1, hierarchy: "/sys/fs/cgroup/freezer")
            _ = scenario.host.writeControlFile(cgroup.controlFile, "FROZEN")
            let record = FreezeRecord(pid: 999_999, processStart: 1, checkpoint: "killed", cgroups: [cgroup], startedAt: Date())
            try scenario.host.writeLocalFile(scenario.spec.freezeRecordFile, try CheckpointJSON.encoder.encode(record), mode: 0o600)

            let outcome = await scenario.executor.execute(
                Action(.thawCgroups, .update, target: Self.v1, reason: "test"), spec: scenario.spec)

            #expect(outcome.outcome.doneText?.hasPrefix("thawed \(Self.v1), frozen since ") == true, "\(outcome.outcome)")
            #expect(scenario.host.freezerText(Self.v1) == "THAWED\n")
            #expect(!scenario.host.fileExists(scenario.spec.freezeRecordFile))
        }
    }

    @Test func aFreezeHeldByALiveCheckpointIsNotThawed() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let cgroup = FreezableCgroup(path: Self.v1, version: .v1, hierarchy: "/sys/fs/cgroup/freezer")
            _ = scenario.host.writeControlFile(cgroup.controlFile, "FROZEN")
            scenario.host.setProcess(4711, commandLine: ["juicectl", "checkpoint", "create"])
            let record = FreezeRecord(pid: 4711, processStart: nil, checkpoint: "running", cgroups: [cgroup], startedAt: Date())
            try scenario.host.writeLocalFile(scenario.spec.freezeRecordFile, try CheckpointJSON.encoder.encode(record), mode: 0o600)

            let outcome = await scenario.executor.execute(
                Action(.thawCgroups, .update, target: Self.v1, reason: "test"), spec: scenario.spec)

            #expect(outcome.outcome.skippedText == "checkpoint running (pid 4711) holds the freeze right now")
            #expect(scenario.host.freezerText(Self.v1) == "FROZEN\n")
        }
    }
}

/// A flag set from a `@Sendable` closure.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
