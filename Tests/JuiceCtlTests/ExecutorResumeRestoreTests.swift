import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// A restore of checkpoint `v1` (request `req-5`) cut short at each step boundary, built on the fake volume as the
/// real steps leave it; ``ExecutorRestoreTests`` covers the steps themselves.
@Suite("Executor: resuming an interrupted restore")
struct ExecutorResumeRestoreTests {
    static let aside = "pre-restore-20270115T080000Z"
    static let staging = VolumeLayout.staging + "/restore-v1.k3j2"

    /// Where a restore stopped.
    enum Stop: CaseIterable {
        /// Journal written, nothing cloned yet.
        case afterJournal
        /// The checkpoint cloned into staging.
        case afterClone
        /// The pre-restore manifest written.
        case afterManifest
        /// `/active` exchanged with staging (staging now holds the old tree).
        case afterExchange
        /// The old tree renamed to its pre-restore name.
        case afterAside
        /// Quotas moved to the new tree.
        case afterQuotas
        /// Lineage written (only the journal is left).
        case afterLineage
    }

    /// The volume as the restore left it at `stop`.
    static func interrupted(at stop: Stop, baseDir: String) async throws -> CheckpointScenario {
        let scenario = try CheckpointScenario(baseDir: baseDir)
        try scenario.putCheckpoint("v1", data: "checkpoint data")
        try scenario.putRecord(VolumeLineage(activeParent: "v0"), VolumeLayout.lineage)
        let startedAt = Date(timeIntervalSince1970: 1_800_000_000)
        try scenario.putRecord(
            RestoreJournal(
                checkpoint: "v1", requestId: "req-5", stagingPath: staging, asideName: aside,
                activeInode: CheckpointScenario.activeInode, startedAt: startedAt),
            VolumeLayout.restoreJournal)
        let steps = Stop.allCases
        let reached = { (step: Stop) in steps.firstIndex(of: step)! <= steps.firstIndex(of: stop)! }
        if reached(.afterClone) {
            #expect(scenario.host.copyTree(scenario.hostPath("/checkpoints/v1"), to: scenario.hostPath(staging)) == 0)
        }
        if reached(.afterManifest) {
            try scenario.putRecord(
                CheckpointManifest(name: aside, createdAt: startedAt, kind: .preRestore, parent: "v0", replacedBy: "v1"),
                VolumeLayout.manifest(aside))
        }
        if reached(.afterExchange) {
            #expect(
                await scenario.host.rename(
                    scenario.hostPath(staging), to: scenario.hostPath("/active"), mode: .exchange, deadline: .seconds(1)) == 0)
        }
        if reached(.afterAside) {
            #expect(
                await scenario.host.rename(
                    scenario.hostPath(staging), to: scenario.hostPath("/checkpoints/\(aside)"), mode: .noReplace, deadline: .seconds(1))
                    == 0)
        }
        if reached(.afterQuotas) {
            let url = scenario.volume.url
            _ = scenario.juicefs.handle(
                Command(
                    VolumeScenario.tools.juicefs, ["quota", "set", url, "--path", "/active/fs", "--capacity", "10240", "--inodes", "0"]))
            _ = scenario.juicefs.handle(
                Command(VolumeScenario.tools.juicefs, ["quota", "delete", url, "--path", "/checkpoints/\(aside)/fs"]))
        }
        if reached(.afterLineage) {
            try scenario.putRecord(VolumeLineage(activeParent: "v1", appliedRestoreRequests: ["req-5"]), VolumeLayout.lineage)
        }
        scenario.clearCalls()
        scenario.runner.reset()
        scenario.juicefs.install(on: scenario.runner)
        return scenario
    }

    // MARK: Not swapped: roll back

    @Test(arguments: [Stop.afterJournal, .afterClone, .afterManifest])
    func beforeTheExchangeItRollsBackAndActiveIsUnchanged(stop: Stop) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: stop, baseDir: base)

            let outcome = await scenario.resume()

            #expect(outcome == .done("rolled back the restore of v1 that stopped before the swap: /active is unchanged"))
            #expect(scenario.commands == (stop == .afterJournal ? [] : ["juicefs rmr \(Self.staging)"]))
            #expect(!scenario.exists(Self.staging))
            #expect(!scenario.exists(VolumeLayout.manifest(Self.aside)), "the pre-restore manifest of a tree never set aside goes")
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
            #expect(scenario.timeline.last == "removeLocalItem /checkpoints/.juicectl/restore.json", "\(scenario.timeline)")
            #expect(!scenario.timeline.contains { $0.hasPrefix("rename ") })
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
            #expect(scenario.text("/active/fs/data.txt") == CheckpointScenario.liveData)
            #expect(scenario.text("/checkpoints/v1/fs/data.txt") == "checkpoint data")
            #expect(try scenario.record(VolumeLineage.self, VolumeLayout.lineage) == VolumeLineage(activeParent: "v0"))
            #expect(scenario.juicefs.quotaPaths.keys.sorted() == ["/active/fs"])
        }
    }

    // MARK: Swapped: complete

    @Test func afterTheExchangeItSetsTheOldTreeAsideMovesQuotasRecordsLineageAndRemovesTheJournal() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: .afterExchange, baseDir: base)
            let url = scenario.volume.url

            let outcome = await scenario.resume()

            #expect(
                outcome
                    == .done(
                        """
                        completed the restore of v1; the replaced tree is checkpoint \(Self.aside); quotas set on /active/fs; removed \
                        from the replaced tree: /checkpoints/\(Self.aside)/fs
                        """
                    ))
            // Setting the new quota and listing run at once; a resumed restore deletes only what the list shows.
            let aside = scenario.position("aside rename") { $0 == "rename \(Self.staging) /checkpoints/\(Self.aside) noReplace" }
            let set = scenario.position("quota set") { $0.hasPrefix("run juicefs quota set \(url) --path /active/fs ") }
            let list = scenario.position("quota list") { $0 == "run juicefs quota list \(url)" }
            let steps = [
                max(set, list),
                scenario.position("quota delete") { $0 == "run juicefs quota delete \(url) --path /checkpoints/\(Self.aside)/fs" },
                scenario.position("lineage write") { $0 == "writeLocalFile /checkpoints/.juicectl/lineage.json" },
                scenario.position("journal removal") { $0 == "removeLocalItem /checkpoints/.juicectl/restore.json" },
            ]
            #expect(aside < min(set, list), "\(scenario.timeline)")
            #expect(steps == steps.sorted(), "\(scenario.timeline)")
            #expect(scenario.timeline.filter { $0.hasPrefix("rename ") }.count == 1)
            Self.expectCompleted(scenario)
        }
    }

    @Test func afterTheAsideRenameOnlyTheRemainingStepsRun() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: .afterAside, baseDir: base)
            let url = scenario.volume.url

            let outcome = await scenario.resume()

            #expect(outcome.doneText?.hasPrefix("completed the restore of v1;") == true, "\(outcome)")
            #expect(!scenario.timeline.contains { $0.hasPrefix("rename ") }, "no second rename: \(scenario.timeline)")
            #expect(
                !scenario.timeline.contains { $0.hasPrefix("writeLocalFile /checkpoints/.juicectl/manifests/") },
                "the manifest is not rewritten")
            // Setting (the set, then its read-back) and listing run at once (either may start first); the delete
            // follows the list.
            let commands = scenario.commands
            let set = "juicefs quota set \(url) --path /active/fs --capacity 10240 --inodes 0"
            let readBack = "juicefs quota get \(url) --path /active/fs"
            let list = "juicefs quota list \(url)"
            let delete = "juicefs quota delete \(url) --path /checkpoints/\(Self.aside)/fs"
            #expect(commands.count == 4 && Set(commands) == [set, readBack, list, delete], "\(commands)")
            #expect(try #require(commands.firstIndex(of: set)) < #require(commands.firstIndex(of: readBack)), "\(commands)")
            #expect(try #require(commands.firstIndex(of: list)) < #require(commands.firstIndex(of: delete)), "\(commands)")
            Self.expectCompleted(scenario)
        }
    }

    @Test(arguments: [Stop.afterQuotas, .afterLineage])
    func afterTheQuotasNothingIsDoneTwice(stop: Stop) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: stop, baseDir: base)

            let outcome = await scenario.resume()

            #expect(
                outcome == .done("completed the restore of v1; the replaced tree is checkpoint \(Self.aside); quotas set on /active/fs"))
            #expect(!scenario.timeline.contains { $0.hasPrefix("rename ") })
            #expect(scenario.runner.commands(startingWith: ["juicefs", "quota", "delete"]).isEmpty, "no quota is left on the old tree")
            Self.expectCompleted(scenario)
        }
    }

    @Test func resumingTwiceDoesNothingTheSecondTime() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: .afterExchange, baseDir: base)

            _ = await scenario.resume()
            scenario.clearCalls()
            scenario.runner.reset()
            let second = await scenario.resume()

            #expect(second == .skipped("no restore is in progress"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
            Self.expectCompleted(scenario)
        }
    }

    /// The end state of a completed restore of `v1` over the live tree.
    static func expectCompleted(_ scenario: CheckpointScenario, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(scenario.text("/active/fs/data.txt") == "checkpoint data", sourceLocation: sourceLocation)
        #expect(scenario.inode("/active") != CheckpointScenario.activeInode, sourceLocation: sourceLocation)
        #expect(scenario.inode("/checkpoints/\(aside)") == CheckpointScenario.activeInode, sourceLocation: sourceLocation)
        #expect(scenario.text("/checkpoints/\(aside)/fs/data.txt") == CheckpointScenario.liveData, sourceLocation: sourceLocation)
        #expect(scenario.exists(VolumeLayout.manifest(aside)), sourceLocation: sourceLocation)
        #expect(!scenario.exists(staging), sourceLocation: sourceLocation)
        #expect(!scenario.exists(VolumeLayout.restoreJournal), sourceLocation: sourceLocation)
        #expect(
            (try? scenario.record(VolumeLineage.self, VolumeLayout.lineage))
                == VolumeLineage(activeParent: "v1", appliedRestoreRequests: ["req-5"]),
            "the request id is recorded once", sourceLocation: sourceLocation)
        #expect(scenario.juicefs.quotaPaths == ["/active/fs": .init(capacityGiB: "10240", inodes: "0")], sourceLocation: sourceLocation)
    }

    // MARK: Other situations

    @Test func withoutAJournalItIsSkipped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            scenario.clearCalls()

            let outcome = await scenario.resume()

            #expect(outcome == .skipped("no restore is in progress"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.timeline.isEmpty)
        }
    }

    @Test func aMissingActiveWithTheOldTreeAtTheAsideNameIsPutBack() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: .afterJournal, baseDir: base)
            try scenario.putRecord(
                CheckpointManifest(name: Self.aside, createdAt: Date(), kind: .preRestore), VolumeLayout.manifest(Self.aside))
            #expect(
                await scenario.host.rename(
                    scenario.hostPath("/active"), to: scenario.hostPath("/checkpoints/\(Self.aside)"),
                    mode: .noReplace, deadline: .seconds(1)) == 0)
            scenario.clearCalls()

            let outcome = await scenario.resume()

            #expect(outcome.doneText?.hasPrefix("rolled back the restore of v1") == true, "\(outcome)")
            #expect(scenario.timeline.first == "rename /checkpoints/\(Self.aside) /active noReplace", "\(scenario.timeline)")
            #expect(scenario.inode("/active") == CheckpointScenario.activeInode)
            #expect(scenario.text("/active/fs/data.txt") == CheckpointScenario.liveData)
            #expect(!scenario.exists("/checkpoints/\(Self.aside)"))
            #expect(!scenario.exists(VolumeLayout.manifest(Self.aside)))
            #expect(!scenario.exists(VolumeLayout.restoreJournal))
        }
    }

    @Test func neitherActiveNorStagingNorTheOldTreeIsAnErrorThatTouchesNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try await Self.interrupted(at: .afterJournal, baseDir: base)
            scenario.host.removeTree(scenario.hostPath("/active"))
            scenario.clearCalls()

            let outcome = await scenario.resume()

            #expect(outcome == .failed("neither /active nor the restore's staging tree exists; inspect /checkpoints before anything else"))
            #expect(scenario.timeline.isEmpty, "\(scenario.timeline)")
            #expect(scenario.exists(VolumeLayout.restoreJournal), "the journal stays for a person to read")
        }
    }

    @Test func anUnmountedVolumeFailsNamingJuicectlApply() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base, mounted: false)

            let outcome = await scenario.resume()

            #expect(outcome.failureText?.contains("juicectl apply") == true, "\(outcome)")
        }
    }
}
