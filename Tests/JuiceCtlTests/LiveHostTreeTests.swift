import Foundation
import Testing

@testable import JuiceCtl

/// The live host's tree calls on a local directory (any filesystem behaves alike for them).
@Suite("LiveHost: tree calls")
struct LiveHostTreeTests {
    let host = LiveHost()

    func write(_ path: String, _ text: String = "x") throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// `lstat` of a path given as bytes.
    func lstatInode(_ bytes: [UInt8]) -> UInt64? {
        var info = stat()
        let result = (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { lstat($0, &info) }
        }
        return result == 0 ? UInt64(info.st_ino) : nil
    }

    @Test func theWalkFindsEveryNameOfLinkedFilesWithTheirBytesAndNeverFollowsASymbolicLink() async throws {
        try await withTemporaryDirectory { root in
            let tree = "\(root)/tree"
            try write("\(tree)/a/one")
            try FileManager.default.createDirectory(atPath: "\(tree)/b", withIntermediateDirectories: true)
            try FileManager.default.linkItem(atPath: "\(tree)/a/one", toPath: "\(tree)/b/two")
            try write("\(tree)/single")
            try write("\(root)/outside/target")
            try FileManager.default.linkItem(atPath: "\(root)/outside/target", toPath: "\(tree)/to-outside")
            try FileManager.default.createSymbolicLink(atPath: "\(tree)/via-link", withDestinationPath: "\(root)/outside")
            // A name that is not UTF-8, linked to `a/one` too.
            let odd: [UInt8] = Array("\(tree)/b/".utf8) + [0xFF, 0x20, 0x0A]
            let made = (odd + [0]).withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { Glibc.link("\(tree)/a/one", $0) }
            }
            try #require(made == 0)

            guard case .found(let files) = await host.linkedFiles(under: tree, deadline: .seconds(10)) else {
                Issue.record("the walk failed")
                return
            }

            let groups = HardLinkGroup.grouping(files.map { ($0.path, $0.inode) })
            let expected = [[Array("a/one".utf8), Array("b/two".utf8), Array("b/".utf8) + [0xFF, 0x20, 0x0A]]]
            #expect(groups.map { $0.names.map(\.bytes) } == expected)
            #expect(files.contains { $0.path == TreePath("to-outside") }, "a name linked outside is found; grouping drops it")
            #expect(!files.contains { $0.path.description.hasPrefix("via-link") }, "the symbolic link is not followed")
        }
    }

    @Test func aMissingRootIsAFailedWalk() async {
        let walk = await host.linkedFiles(under: "/tmp/juicectl-tests-no-such-tree", deadline: .seconds(5))
        #expect(walk == .failed(errno: ENOENT, at: .root))
    }

    @Test func linkRenameOverAndTimesWorkBelowTheRootWithNanosecondsInOneSession() async throws {
        try await withTemporaryDirectory { root in
            try write("\(root)/d/a", "same")
            try write("\(root)/e/b", "copy")
            let times = (
                FileTime(seconds: 1_500_000_000, nanoseconds: 123_456_789),
                FileTime(seconds: 1_550_000_000, nanoseconds: 987_654_321)
            )

            let session = await host.withTreeCalls(below: root, deadline: .seconds(10)) { calls in
                let codes = [
                    calls.link(TreePath("d/a"), as: TreePath("e/.tmp")), calls.rename(TreePath("e/.tmp"), over: TreePath("e/b")),
                    calls.setTimes(TreePath("e"), accessed: times.0, modified: times.1),
                ]
                return (codes, [calls.status(TreePath("d/a")), calls.status(TreePath("e/b")), calls.status(TreePath("e"))])
            }

            let (codes, statuses) = try #require(session)
            #expect(codes == [0, 0, 0])
            guard case .found(let a) = statuses[0], case .found(let b) = statuses[1], case .found(let e) = statuses[2] else {
                Issue.record("lstat failed: \(statuses)")
                return
            }
            #expect(a.inode == b.inode && a.linkCount == 2 && a.kind == .regular && a.size == 4)
            #expect(e.kind == .directory && e.accessed == times.0 && e.modified == times.1)
            #expect(!FileManager.default.fileExists(atPath: "\(root)/e/.tmp"))
        }
    }

    @Test func aSessionPastItsDeadlineMakesNoMoreCalls() async throws {
        try await withTemporaryDirectory { root in
            try write("\(root)/a", "a")
            let late = await host.withTreeCalls(below: root, deadline: .milliseconds(50)) { calls in
                Thread.sleep(forTimeInterval: 0.2)
                return calls.link(TreePath("a"), as: TreePath("b"))
            }
            // Given up at its deadline (nil), or, when the deadline's timer ran late, the call refused by the session.
            #expect(late == nil || late == ETIMEDOUT, "\(String(describing: late))")
            try await Task.sleep(for: .milliseconds(300))
            #expect(!FileManager.default.fileExists(atPath: "\(root)/b"), "a call after the deadline does nothing")
        }
    }

    @Test func aSymbolicLinkBelowTheRootStopsEveryCallWithENOTDIR() async throws {
        try await withTemporaryDirectory { root in
            try write("\(root)/outside/victim", "host file")
            try FileManager.default.createDirectory(atPath: "\(root)/clone", withIntermediateDirectories: true)
            try write("\(root)/clone/keeper", "k")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/clone/planted", withDestinationPath: "\(root)/outside")
            let clone = "\(root)/clone"
            let victim = lstatInode(Array("\(root)/outside/victim".utf8))
            let one = FileTime(seconds: 1, nanoseconds: 0)

            let session = await host.withTreeCalls(below: clone, deadline: .seconds(10)) { calls in
                (
                    calls.status(TreePath("planted/victim")),
                    [
                        calls.link(TreePath("keeper"), as: TreePath("planted/.tmp")),
                        calls.rename(TreePath("keeper"), over: TreePath("planted/victim")),
                        calls.setTimes(TreePath("planted/victim"), accessed: one, modified: one),
                    ],
                    calls.status(TreePath("planted"))
                )
            }

            let (status, codes, planted) = try #require(session)
            #expect(status == .failed(errno: ENOTDIR))
            #expect(codes == [ENOTDIR, ENOTDIR, ENOTDIR])
            #expect(lstatInode(Array("\(root)/outside/victim".utf8)) == victim)
            #expect(!FileManager.default.fileExists(atPath: "\(root)/outside/.tmp"))
            #expect(try String(contentsOfFile: "\(root)/outside/victim", encoding: .utf8) == "host file")
            // The link itself as the last name is looked at, not followed.
            guard case .found(let link) = planted else {
                Issue.record("lstat of the link failed")
                return
            }
            #expect(link.kind == .symbolicLink)
        }
    }

    @Test func theRepairOnARealDirectoryLinksCopiesAndKeepsTheDirectoryTimes() async throws {
        try await withTemporaryDirectory { root in
            for path in ["\(root)/p/first", "\(root)/q/second"] { try write(path, "content") }
            var times = [timespec(tv_sec: 1_400_000_000, tv_nsec: 111), timespec(tv_sec: 1_400_000_001, tv_nsec: 222)]
            for path in ["\(root)/p/first", "\(root)/q/second"] { #expect(utimensat(AT_FDCWD, path, &times, 0) == 0) }
            var directoryTimes = [timespec(tv_sec: 1_300_000_000, tv_nsec: 333), timespec(tv_sec: 1_300_000_001, tv_nsec: 444)]
            #expect(utimensat(AT_FDCWD, "\(root)/q", &directoryTimes, 0) == 0)

            let group = try #require(HardLinkGroup([TreePath("p/first"), TreePath("q/second")]))
            let report = try await HardLinkRepair(host: host).repair([group], in: root)

            #expect(report.kept == 1 && report.skipped.isEmpty)
            #expect(lstatInode(Array("\(root)/p/first".utf8)) == lstatInode(Array("\(root)/q/second".utf8)))
            var info = stat()
            #expect(lstat("\(root)/q", &info) == 0)
            #expect(info.st_mtim.tv_sec == 1_300_000_001 && info.st_mtim.tv_nsec == 444)
            #expect(info.st_atim.tv_sec == 1_300_000_000 && info.st_atim.tv_nsec == 333)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/q") == ["second"])
        }
    }
}
