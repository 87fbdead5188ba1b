import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: a restore completed with a shortfall, and damaged bookkeeping repaired")
struct ExecutorRestoreShortfallTests {
    static let linkedQuota = """
        quotas:
          - path: /active/fs
            capacity: 10TiB
          - path: /active/fs/x/y
            capacity: 1GiB
        """

    @Test(
        """
        a quota path through a symbolic link in the restored tree: the restore completes, nothing is made through the \
        link, the shortfall is recorded
        """
    )
    func symbolicLinkInTheRestoredTree() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, Self.linkedQuota)
            try scenario.putCheckpoint("v1")
            // The tenant's link, as the restored tree has it once it is /active.
            scenario.host.update { $0.symbolicLinks.insert(scenario.hostPath("/active/fs/x")) }
            scenario.clearCalls()

            let outcome = await scenario.restore("v1", requestId: "req-9")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(
                text.contains(
                    "DEGRADED, the restore completed without: /active/fs/x/y (RestoreQuotaPathIsSymbolicLink: /active/fs/x on the volume "
                        + "is a symbolic link"
                ), "\(text)")
            #expect(!scenario.exists(VolumeLayout.restoreJournal), "the journal is removed: the restore is complete")
            #expect(!scenario.host.calls.contains { $0.hasPrefix("mkdir \(scenario.hostPath("/active/fs/x"))") }, "\(scenario.host.calls)")
            #expect(!scenario.runner.commands.contains { $0.arguments.contains("/active/fs/x/y") }, "no quota set through the link")
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage)?.appliedRestoreRequests == ["req-9"])
            let shortfall = try #require(StateStore(stateDir: scenario.spec.stateDir, host: scenario.host).load().restoreShortfall)
            #expect(shortfall.checkpoint == "v1")
            #expect(shortfall.problems.map(\.path) == ["/active/fs/x/y"])
            #expect(shortfall.problems.map(\.reason) == [.quotaPathIsSymbolicLink])

            // The next checkpoint works, and its observation carries the shortfall into the status.
            #expect(await scenario.create("after").doneText != nil)
            let observation = await scenario.volume.observer.observe(scenario.spec)
            #expect(observation.restoreShortfall == shortfall)
            let status = VolumeStatus(spec: scenario.spec, observation: observation, plan: Planner.plan(scenario.spec, observation))
            let degraded = try #require(status.conditions.first { $0.type == .degraded })
            #expect(
                degraded.status && degraded.reason == .restoreShortfall(.quotaPathIsSymbolicLink)
                    && degraded.message.contains("/active/fs/x/y"),
                "\(degraded)")
        }
    }

    @Test("a failed quota set after the swap completes the restore as well, with RestoreQuotaNotSet")
    func quotaSetFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, ExecutorRestoreTests.twoQuotas)
            try scenario.putCheckpoint("v1")
            scenario.runner.on(
                prefix: ["juicefs", "quota", "set", scenario.volume.url, "--path", "/active/fs/projects"],
                .failure(stderr: "quota: metadata engine refused"))

            let outcome = await scenario.restore("v1")

            #expect(outcome.doneText?.contains("RestoreQuotaNotSet") == true, "\(outcome)")
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(
                StateStore(stateDir: scenario.spec.stateDir, host: scenario.host).load().restoreShortfall?.problems.map(\.reason) == [
                    .quotaNotSet
                ])
        }
    }

    @Test("a restore reads each quota it sets back; one that does not read back completes the restore with RestoreQuotaNotSet")
    func quotaReadBackDiffers() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, ExecutorRestoreTests.twoQuotas)
            try scenario.putCheckpoint("v1")
            // juicefs quota set returns, but the engine shows no quota on the directory afterwards.
            scenario.runner.on(
                prefix: ["juicefs", "quota", "get", scenario.volume.url, "--path", "/active/fs/projects"],
                .success("+------+------+\n| Path | Size |\n+------+------+\n+------+------+\n"))

            let outcome = await scenario.restore("v1")

            #expect(outcome.doneText?.contains("RestoreQuotaNotSet") == true, "\(outcome)")
            #expect(!scenario.exists(VolumeLayout.restoreJournal), "the restore itself is complete")
            let readBack = scenario.runner.commands(startingWith: ["juicefs", "quota", "get"]).map { $0.arguments[4] }
            #expect(readBack.sorted() == ["/active/fs", "/active/fs/projects"], "each quota set is read back")
            let state = StateStore(stateDir: scenario.spec.stateDir, host: scenario.host).load()
            let problem = try #require(state.restoreShortfall?.problems.first)
            #expect(state.restoreShortfall?.problems.count == 1)
            #expect(problem.path == "/active/fs/projects" && problem.reason == .quotaNotSet)
            #expect(problem.message.contains("quota get shows no capacity limit and no inode limit"), "\(problem.message)")
            #expect(state.quotas["/active/fs/projects"] == nil, "a quota that did not read back is not recorded as set")
            #expect(state.quotas["/active/fs"] != nil)
        }
    }

    @Test("an empty lineage is rebuilt from the manifests by the planned repair, keeping the damaged file; checkpoints work again")
    func lineageRebuilt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            scenario.putFile(VolumeLayout.lineage, "")
            #expect(await scenario.create("refused").failureText?.contains("run juicectl apply, which rebuilds it") == true)

            let observation = await scenario.volume.observer.observe(scenario.spec)
            let repair = try #require(Planner.plan(scenario.spec, observation).actions.first { $0.kind == .repairBookkeeping })
            let outcome = await scenario.executor.execute(repair, spec: scenario.spec).outcome

            #expect(
                outcome.doneText?.contains("rebuilt \(VolumeLayout.lineage) from 1 manifest(s): /active descends from v1") == true,
                "\(outcome)")
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage) == VolumeLineage(activeParent: "v1"))
            #expect(scenario.names(under: VolumeLayout.bookkeeping).contains { $0.hasPrefix("lineage.json.damaged-") })
            #expect(await scenario.create("after").doneText != nil)
        }
    }

    @Test("an undecodable journal is moved aside once /active is a directory; the restore clone in staging becomes a checkpoint")
    func journalMovedAside() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            let clone = "\(VolumeLayout.staging)/restore-v1.k3x9"
            scenario.putFile("\(clone)/fs/data.txt", "a tree in flight")
            scenario.putFile(VolumeLayout.restoreJournal, "{\"checkpoint\": ")
            #expect(await scenario.create("refused").failureText?.contains("moves it aside once /active is a directory") == true)

            let observation = await scenario.volume.observer.observe(scenario.spec)
            let plan = Planner.plan(scenario.spec, observation)
            #expect(!plan.actions.contains { $0.kind == .removeLeftover && $0.target == clone }, "the tree in flight is never removed")
            let repair = try #require(plan.actions.first { $0.kind == .repairBookkeeping })
            let outcome = await scenario.executor.execute(repair, spec: scenario.spec).outcome

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("found /active is a directory (inode \(CheckpointScenario.activeInode))"), "\(text)")
            let kept = try #require(scenario.names(under: VolumeLayout.checkpoints).first { $0.hasPrefix("pre-restore-") })
            #expect(scenario.text("/checkpoints/\(kept)/fs/data.txt") == "a tree in flight")
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(scenario.names(under: VolumeLayout.bookkeeping).contains { $0.hasPrefix("restore.json.damaged-") })
            #expect(await scenario.create("after").doneText != nil)
        }
    }

    @Test("the journal stays when /active changed between plan and repair: the executor re-checks the trees by inode")
    func journalKeptWhenTheTreesChanged() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            scenario.putFile(VolumeLayout.restoreJournal, "not json")
            let observation = await scenario.volume.observer.observe(scenario.spec)
            let repair = try #require(Planner.plan(scenario.spec, observation).actions.first { $0.kind == .repairBookkeeping })
            scenario.host.setDirectory(scenario.hostPath(VolumeLayout.active), inode: 4711)

            let outcome = await scenario.executor.execute(repair, spec: scenario.spec).outcome

            #expect(outcome.failureText?.contains("the trees changed since the plan") == true, "\(outcome)")
            #expect(outcome.failureText?.contains("now: /active is a directory (inode 4711)") == true, "\(outcome)")
            #expect(scenario.exists(VolumeLayout.restoreJournal), "the journal was moved although /active changed")
        }
    }
}
