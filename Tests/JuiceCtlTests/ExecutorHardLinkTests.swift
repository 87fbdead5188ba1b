import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: hard links in checkpoints and restores")
struct ExecutorHardLinkTests {
    static let mtime = FileTime(seconds: 1_700_000_000, nanoseconds: 999_999_999)
    static let subTimes = (
        accessed: FileTime(seconds: 1_600_000_001, nanoseconds: 11),
        modified: FileTime(seconds: 1_600_000_002, nanoseconds: 22)
    )

    /// `fs/a` and `fs/sub/b` as one file (`inode`) in the tree at `volumePath`, `fs/sub` with known times, and the
    /// metadata query answering with both names.
    func putLinkedPair(_ scenario: CheckpointScenario, in volumePath: String, inode: UInt64) {
        let root = scenario.hostPath(volumePath)
        let file = EntryStatus(kind: .regular, inode: inode, linkCount: 2, mode: 0o640, uid: 7, gid: 8, size: 9, modified: Self.mtime)
        scenario.host.putTreeEntry(.root, below: root, EntryStatus(kind: .directory, inode: 5000))
        let sub = EntryStatus(kind: .directory, inode: 5001, accessed: Self.subTimes.accessed, modified: Self.subTimes.modified)
        scenario.host.putTreeEntry(TreePath("fs/sub"), below: root, sub)
        scenario.host.putTreeEntry(TreePath("fs/a"), below: root, file)
        scenario.host.putTreeEntry(TreePath("fs/sub/b"), below: root, file)
        var rows = MetadataRows()
        rows.file(String(volumePath.dropFirst()) + "/fs/a", inode: inode)
        rows.file(String(volumePath.dropFirst()) + "/fs/sub/b", inode: inode)
        scenario.runner.on(prefix: ["sqlite3"], .success(rows.output))
    }

    @Test func aCheckpointLinksTheNamesTheSourceLinksBeforeItIsRenamedIntoPlace() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            putLinkedPair(scenario, in: VolumeLayout.active, inode: 500)
            scenario.clearCalls()

            let outcome = await scenario.create("linked")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains(" ms, 1 hard link kept (found in "), "\(text)")
            let checkpoint = scenario.hostPath(VolumeLayout.checkpoint("linked"))
            let a = try #require(scenario.host.treeEntry(TreePath("fs/a"), below: checkpoint))
            let b = try #require(scenario.host.treeEntry(TreePath("fs/sub/b"), below: checkpoint))
            #expect(a.inode == b.inode && a.inode != 500, "one file of its own in the checkpoint")
            #expect(scenario.host.treeEntry(TreePath("fs/sub"), below: checkpoint)?.modified == Self.subTimes.modified)
            let calls = scenario.host.calls
            let replaced = " over \(scenario.hostPath(VolumeLayout.staging))/\(stagingName(calls))/fs/sub/b"
            let relinked = try #require(calls.firstIndex { $0.hasPrefix("rename ") && $0.hasSuffix(replaced) }, "\(calls)")
            let renamed = try #require(calls.firstIndex { $0.hasPrefix("rename ") && $0.hasSuffix("\(checkpoint) noReplace") })
            let cloned = try #require(calls.firstIndex { $0.hasPrefix("run juicefs clone") })
            #expect(cloned < relinked && relinked < renamed, "the staging clone is repaired after the clone, before the rename")
            #expect(scenario.runner.count(of: "sqlite3") == 1)
        }
    }

    @Test func aRestoreLinksTheCheckpointsNamesInStagingBeforeTheSwap() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            try scenario.putCheckpoint("v1")
            putLinkedPair(scenario, in: VolumeLayout.checkpoint("v1"), inode: 600)

            let outcome = await scenario.restore("v1")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains(" ms, 1 hard link kept (found in "), "\(text)")
            let active = scenario.hostPath(VolumeLayout.active)
            let a = try #require(scenario.host.treeEntry(TreePath("fs/a"), below: active))
            #expect(scenario.host.treeEntry(TreePath("fs/sub/b"), below: active)?.inode == a.inode && a.inode != 600)
            #expect(scenario.host.treeEntry(TreePath("fs/sub"), below: active)?.modified == Self.subTimes.modified)
            let calls = scenario.host.calls
            let relinked = try #require(calls.firstIndex { $0.hasPrefix("rename ") && $0.hasSuffix("/fs/sub/b") })
            let swapped = try #require(calls.firstIndex { $0.hasPrefix("rename ") && $0.hasSuffix("\(active) exchange") })
            #expect(relinked < swapped)
            let query = try #require(scenario.runner.commands(startingWith: ["sqlite3"]).first)
            #expect(query.arguments.contains(try #require(scenario.spec.metadata.sqlitePath)))
        }
    }

    @Test func aTreeWithoutHardLinksSaysNothingAboutThem() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)

            let outcome = await scenario.create("plain")

            #expect(outcome.doneText?.contains("hard link") == false, "\(outcome)")
            #expect(scenario.runner.count(of: "sqlite3") == 1)
        }
    }

    @Test func aFailedQueryIsNamedInTheResultAndTheWalkStillKeepsTheLinks() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try CheckpointScenario(baseDir: base)
            putLinkedPair(scenario, in: VolumeLayout.active, inode: 700)
            scenario.runner.on(prefix: ["sqlite3"], .failure(stderr: "Error: in prepare, no such column: nlink\n"))

            let outcome = await scenario.create("walked")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("1 hard link kept (found in "), "\(text)")
            let reason = "by walking /active, because the metadata query failed (exit 1: Error: in prepare, no such column: nlink)"
            #expect(text.contains(reason), "\(text)")
            let checkpoint = scenario.hostPath(VolumeLayout.checkpoint("walked"))
            #expect(
                scenario.host.treeEntry(TreePath("fs/a"), below: checkpoint)?.inode
                    == scenario.host.treeEntry(TreePath("fs/sub/b"), below: checkpoint)?.inode)
        }
    }

    @Test func aCheckpointWithTheOverlayInUseKeepsTheLinksOfTheEntriesClonedAfterTheThaw() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try OverlayScenario(baseDir: base)
            try scenario.installConvergedOverlay()
            putLinkedPair(scenario.checkpoint, in: VolumeLayout.active, inode: 800)

            let outcome = await scenario.checkpoint.create("overlaid")

            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("1 hard link kept") && text.contains("overlay image frozen for"), "\(text)")
            let checkpoint = scenario.checkpoint.hostPath(VolumeLayout.checkpoint("overlaid"))
            let a = try #require(scenario.host.treeEntry(TreePath("fs/a"), below: checkpoint))
            #expect(scenario.host.treeEntry(TreePath("fs/sub/b"), below: checkpoint)?.inode == a.inode)
        }
    }

    /// The staging entry's name (`NAME.TOKEN`) from the clone command in `calls`.
    private func stagingName(_ calls: [String]) -> String {
        guard let clone = calls.first(where: { $0.hasPrefix("run juicefs clone") }),
            let destination = clone.split(separator: " ").last
        else { return "?" }
        return String(destination.split(separator: "/").last ?? "?")
    }
}
