import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Hard links: re-linking them in a clone")
struct HardLinkRepairTests {
    static let clone = "/mnt/v/checkpoints/.juicectl/staging/c1.x"
    static let mtime = FileTime(seconds: 1_700_000_000, nanoseconds: 123_456_789)
    static let directoryTimes = (
        accessed: FileTime(seconds: 1_600_000_000, nanoseconds: 5),
        modified: FileTime(seconds: 1_650_000_000, nanoseconds: 7)
    )

    let host = FakeHost()
    var repair: HardLinkRepair { HardLinkRepair(host: host) }

    /// A file copy as `juicefs clone --preserve` leaves it: a new inode, the source's size, mode, owner and mtime.
    func putCopy(_ path: String, inode: UInt64, size: Int64 = 42, mode: UInt32 = 0o4750, modified: FileTime = Self.mtime) {
        host.putTreeEntry(
            TreePath(path), below: Self.clone,
            EntryStatus(
                kind: .regular, inode: inode, mode: mode, uid: 1001, gid: 2002,
                size: size, modified: modified))
    }

    func putDirectory(_ path: String) {
        host.putTreeEntry(
            TreePath(path), below: Self.clone,
            EntryStatus(
                kind: .directory, inode: 900, mode: 0o755, accessed: Self.directoryTimes.accessed,
                modified: Self.directoryTimes.modified))
    }

    func group(_ names: String...) -> HardLinkGroup { HardLinkGroup(names.map { TreePath($0) })! }

    @Test func theOtherNameBecomesALinkToTheFirstByALinkThenARenameOverThenTheDirectoryTimesGoBack() async throws {
        putDirectory("one")
        putDirectory("two")
        putCopy("one/a", inode: 10)
        putCopy("two/b", inode: 11)
        let before = host.calls.count

        let report = try await repair.repair([group("one/a", "two/b")], in: Self.clone)

        let calls = Array(host.calls.dropFirst(before))
        let link = try #require(calls.firstIndex { $0.hasPrefix("link \(Self.clone)/one/a \(Self.clone)/two/.juicectl-link.") }, "\(calls)")
        let temporary = String(calls[link].split(separator: " ")[2])
        let rename = try #require(calls.firstIndex(of: "rename \(temporary) over \(Self.clone)/two/b"), "\(calls)")
        let (accessed, modified) = Self.directoryTimes
        let times = try #require(calls.firstIndex(of: "setTimes \(Self.clone)/two \(accessed) \(modified)"))
        let checked = try #require(calls.firstIndex(of: "entryStatus \(Self.clone)/two/b"))
        #expect(checked < link && link < rename && rename < times)
        #expect(host.treeEntry(TreePath("two/b"), below: Self.clone)?.inode == 10)
        #expect(host.treeEntry(TreePath("one/a"), below: Self.clone)?.linkCount == 2)
        #expect(host.treeEntry(TreePath("two"), below: Self.clone)?.modified == Self.directoryTimes.modified)
        #expect(host.treeEntry(TreePath("two"), below: Self.clone)?.accessed == Self.directoryTimes.accessed)
        #expect(
            host.treeEntry(TreePath("one"), below: Self.clone)?.modified == Self.directoryTimes.modified,
            "the first name's directory is untouched")
        #expect(!host.calls.contains { $0.hasPrefix("setTimes \(Self.clone)/one ") })
        #expect(report.kept == 1 && report.skipped.isEmpty)
    }

    @Test func threeNamesInOneDirectoryAndNamesInTheRootAreAllLinkedWithTheTimesSetOncePerDirectory() async throws {
        putDirectory("d")
        putCopy("d/x", inode: 20)
        putCopy("d/y", inode: 21)
        putCopy("d/z", inode: 22)
        putCopy("top-1", inode: 23, size: 7)
        putCopy("top-2", inode: 24, size: 7)

        let report = try await repair.repair([group("d/x", "d/y", "d/z"), group("top-1", "top-2")], in: Self.clone)

        #expect(report.kept == 3)
        #expect(["d/x", "d/y", "d/z"].map { host.treeEntry(TreePath($0), below: Self.clone)?.inode } == [20, 20, 20])
        #expect(host.treeEntry(TreePath("d/x"), below: Self.clone)?.linkCount == 3)
        #expect(host.treeEntry(TreePath("top-2"), below: Self.clone)?.inode == 23)
        #expect(host.calls.filter { $0.hasPrefix("setTimes \(Self.clone)/d ") }.count == 1)
        #expect(host.calls.filter { $0.hasPrefix("setTimes \(Self.clone) ") }.count == 1, "the clone's root too")
        #expect(!host.snapshot.treeEntries.keys.contains { $0.contains(".juicectl-link.") }, "no temporary name is left")
    }

    /// How a copy can differ from the first name's copy.
    enum Difference: String, CaseIterable, Sendable {
        case size, mode, owner, group, mtimeNanoseconds, kind

        func apply(to status: inout EntryStatus) {
            switch self {
            case .size: status.size += 1
            case .mode: status.mode = 0o750
            case .owner: status.uid = 0
            case .group: status.gid = 0
            case .mtimeNanoseconds: status.modified.nanoseconds += 1
            case .kind: status.kind = .symbolicLink
            }
        }
    }

    @Test(arguments: Difference.allCases)
    func aCopyThatDoesNotLookLikeTheFirstOneIsLeftAloneAndReported(difference: Difference) async throws {
        putDirectory("d")
        putCopy("d/1-first", inode: 30)
        putCopy("d/2-changed", inode: 31)
        putCopy("d/3-same", inode: 32)
        host.update { difference.apply(to: &$0.treeEntries["\(Self.clone)/d/2-changed"]!) }

        let report = try await repair.repair([group("d/1-first", "d/2-changed", "d/3-same")], in: Self.clone)

        #expect(report.skipped == [TreePath("d/2-changed")], "\(difference)")
        #expect(report.kept == 1)
        #expect(host.treeEntry(TreePath("d/2-changed"), below: Self.clone)?.inode == 31)
        #expect(host.treeEntry(TreePath("d/3-same"), below: Self.clone)?.inode == 30)
        #expect(!host.calls.contains { $0.hasPrefix("link") && $0.hasSuffix("/d/2-changed") })
    }

    @Test func aNameGoneFromTheCloneIsSkippedAndANameAlreadyLinkedCountsAsKept() async throws {
        putDirectory("d")
        putCopy("d/a", inode: 40)
        host.putTreeEntry(TreePath("d/b"), below: Self.clone, host.treeEntry(TreePath("d/a"), below: Self.clone)!)

        let report = try await repair.repair([group("d/a", "d/b", "d/gone")], in: Self.clone)

        #expect(report.kept == 1 && report.skipped == [TreePath("d/gone")])
        #expect(!host.calls.contains { $0.hasPrefix("link ") || $0.hasPrefix("setTimes ") }, "nothing to change: \(host.calls)")
    }

    @Test func aSymbolicLinkOnTheWayIsNeverFollowedAndItsNamesAreSkipped() async throws {
        putDirectory("real")
        putCopy("real/a", inode: 50)
        putCopy("real/b", inode: 51)
        // In the clone, `via` is a symbolic link (to `real`, say); the tenant's tree had a directory there.
        host.putTreeEntry(TreePath("via"), below: Self.clone, EntryStatus(kind: .symbolicLink, inode: 52))

        let report = try await repair.repair([group("real/a", "via/b"), group("via/c", "via/d")], in: Self.clone)

        #expect(report.kept == 0)
        #expect(report.skipped == [TreePath("via/b"), TreePath("via/c"), TreePath("via/d")])
        #expect(!host.calls.contains { $0.hasPrefix("link ") || $0.hasPrefix("rename ") || $0.hasPrefix("setTimes ") }, "\(host.calls)")
        #expect(host.treeEntry(TreePath("real/b"), below: Self.clone)?.inode == 51)
    }

    @Test func manyDirectoriesAreRepairedConcurrentlyWithEveryDirectoryTimeKept() async throws {
        var groups: [HardLinkGroup] = []
        for index in 0..<40 {
            putDirectory("a\(index)")
            putDirectory("b\(index)")
            putCopy("a\(index)/f", inode: UInt64(1000 + 2 * index))
            putCopy("b\(index)/g", inode: UInt64(1001 + 2 * index))
            groups.append(group("a\(index)/f", "b\(index)/g"))
        }

        let report = try await HardLinkRepair(host: host, concurrency: 6).repair(groups, in: Self.clone)

        #expect(report.kept == 40 && report.skipped.isEmpty)
        for index in 0..<40 {
            #expect(host.treeEntry(TreePath("b\(index)/g"), below: Self.clone)?.inode == UInt64(1000 + 2 * index))
            #expect(host.treeEntry(TreePath("b\(index)"), below: Self.clone)?.modified == Self.directoryTimes.modified)
        }
    }
}
