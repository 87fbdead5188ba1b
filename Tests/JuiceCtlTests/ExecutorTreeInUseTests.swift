import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@testable import JuiceCtl

/// Restores and deletions of trees that something still uses, on the fake host: refused and nothing changed, or
/// with terminateUsers the users terminated first; a user arriving during the clone rolls the restore back.
@Suite("Executor: trees in use")
struct ExecutorTreeInUseTests {
    static let shell = TreeUser(
        tree: VolumeLayout.active, volumePath: "/active/fs/src",
        holder: .process(pid: 4242, command: "bash", references: [.workingDirectory]))
    static let bindMount = TreeUser(
        tree: VolumeLayout.active, volumePath: "/active/fs",
        holder: .mount(mountPoint: "/srv/sandbox", namespace: 4_026_531_841, hostNamespace: true, pids: []))

    /// A volume with checkpoint `v1` and a live process 4242 (start time 77).
    static func scenario(_ base: String) throws -> CheckpointScenario {
        let scenario = try CheckpointScenario(baseDir: base)
        try scenario.putCheckpoint("v1", data: "restored data")
        scenario.host.setProcess(4242, commandLine: ["bash"])
        scenario.host.update { $0.startTimes[4242] = 77 }
        scenario.clearCalls()
        return scenario
    }

    /// Users that are there while process 4242 lives.
    static func whileAlive(_ host: FakeHost) -> @Sendable (TreeUsageQuery) -> [TreeUser] {
        { [host] query in
            host.snapshot.livePIDs.contains(4242) && query.trees.contains(VolumeLayout.active) ? [shell] : []
        }
    }

    static func restore(_ scenario: CheckpointScenario, terminate: Bool, grace: TimeSpan = .seconds(1)) async -> ActionResult {
        var request = Action.CheckpointRequest(name: "v1")
        request.terminateUsers = terminate
        request.grace = grace
        return await scenario.executor.execute(
            Action(.restore(request), .replace, target: VolumeLayout.active, reason: "test"),
            spec: scenario.spec)
    }

    @Test func aRestoreWhileAProcessUsesActiveRefusesNamingItAndChangesNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.host.update { $0.treeUsers = [Self.shell] }

            let result = await Self.restore(scenario, terminate: false)

            let text = try #require(result.outcome.failureText, "\(result.outcome)")
            #expect(
                text.contains("/active is in use, so nothing was restored: pid 4242 (bash): working directory /active/fs/src"), "\(text)")
            #expect(text.contains("--terminate-users"))
            #expect(scenario.runner.count(of: "juicefs") == 0, "nothing was cloned")
            #expect(scenario.timeline.isEmpty, "nothing was written: \(scenario.timeline)")
            #expect(scenario.host.snapshot.signals.isEmpty)
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
        }
    }

    @Test func withTerminateUsersTheUsersGetSigtermAfterTheCloneAndTheRestoreGoesOn() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.host.update { $0.treeUsersAnswer = Self.whileAlive(scenario.host) }

            let result = await Self.restore(scenario, terminate: true)

            let text = try #require(result.outcome.doneText, "\(result.outcome)")
            #expect(text.contains("terminated 1 process(es) that used /active first (pid 4242)"), "\(text)")
            #expect(result.details?.terminatedPIDs == [4242])
            #expect(scenario.host.snapshot.signals.map { [$0.0, $0.1] } == [[4242, SIGTERM]])
            #expect(scenario.text("/active/fs/data.txt") == "restored data")
            let calls = scenario.host.calls
            let clone = try #require(calls.firstIndex { $0.hasPrefix("run juicefs clone") })
            let signal = try #require(calls.firstIndex { $0 == "signal 4242 15" })
            let swap = try #require(calls.firstIndex { $0.hasPrefix("rename") && $0.hasSuffix(" exchange") })
            #expect(clone < signal && signal < swap, "users keep working during the clone; terminated just before the swap")
        }
    }

    @Test func aUserThatIgnoresSigtermGetsSigkillAfterTheGrace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.host.update {
                $0.treeUsersAnswer = Self.whileAlive(scenario.host)
                $0.ignoringSIGTERM = [4242]
            }

            let result = await Self.restore(scenario, terminate: true, grace: TimeSpan(nanoseconds: 100_000_000))

            #expect(result.outcome.doneText != nil, "\(result.outcome)")
            #expect(scenario.host.snapshot.signals.map { [$0.0, $0.1] } == [[4242, SIGTERM], [4242, SIGKILL]])
        }
    }

    @Test func aMountInJuicectlsOwnNamespaceRefusesEvenWithTerminateUsers() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            scenario.host.update { $0.treeUsers = [Self.bindMount, Self.shell] }

            let result = await Self.restore(scenario, terminate: true)

            let text = try #require(result.outcome.failureText, "\(result.outcome)")
            #expect(text.contains("mount at /srv/sandbox in juicectl's mount namespace of /active/fs"), "\(text)")
            #expect(text.contains("Unmount those mounts first"), "\(text)")
            #expect(scenario.host.snapshot.signals.isEmpty, "nobody is terminated when the restore cannot happen anyway")
            #expect(scenario.runner.count(of: "juicefs") == 0)
        }
    }

    @Test func aUserWhoArrivesDuringTheCloneRollsTheRestoreBack() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let asked = Counter()
            scenario.host.update { $0.treeUsersAnswer = { _ in asked.next() == 0 ? [] : [Self.shell] } }

            let result = await Self.restore(scenario, terminate: false)

            let text = try #require(result.outcome.failureText, "\(result.outcome)")
            #expect(text.contains("the restore was rolled back and /active is unchanged"), "\(text)")
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(scenario.names(under: VolumeLayout.staging).isEmpty, "the staging clone was removed")
        }
    }

    @Test func theVolumesJuicefsClientIsNeverTerminated() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let client = TreeUser(
                tree: VolumeLayout.active, volumePath: "/active/fs/x",
                holder: .process(pid: VolumeScenario.pid, command: "juicefs", references: [.openFile("/active/fs/x")]))
            scenario.host.update { $0.treeUsers = [client] }

            let result = await Self.restore(scenario, terminate: true)

            #expect(
                result.outcome.failureText?.contains(
                    "pid \(VolumeScenario.pid) (the volume's juicefs client), which juicectl does not terminate") == true,
                "\(result.outcome)")
            #expect(scenario.host.snapshot.signals.isEmpty)
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
        }
    }

    @Test func aCheckpointInUseIsKeptUnlessForced() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.scenario(base)
            let viewer = TreeUser(
                tree: VolumeLayout.checkpoint("v1"), volumePath: "/checkpoints/v1/fs",
                holder: .mount(mountPoint: "/srv/old", namespace: 7, hostNamespace: true, pids: []))
            scenario.host.update { $0.treeUsers = [viewer] }

            let kept = await scenario.delete("v1")
            #expect(kept.failureText?.contains("/checkpoints/v1 is in use, so checkpoint v1 is kept: mount at /srv/old") == true, "\(kept)")
            #expect(scenario.exists("/checkpoints/v1"))

            let forced = await scenario.delete("v1", force: true)
            #expect(forced.doneText != nil, "\(forced)")
            #expect(!scenario.exists("/checkpoints/v1"))
        }
    }
}

/// A counter shared with `@Sendable` closures.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// The count before this call.
    func next() -> Int {
        value.withLock { count in
            defer { count += 1 }
            return count
        }
    }
}
