import Foundation
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Hard links: finding them in a tree")
struct HardLinkScannerTests {
    static let mount = "/mnt/v"
    static let database = "/var/lib/v/metadata.db"

    let host = FakeHost()
    let runner = FakeCommandRunner()
    var scanner: HardLinkScanner { HardLinkScanner(host: host, runner: runner, sqlite3: "/usr/bin/sqlite3") }

    /// `/active` on the fake mount with `fs/a` and `fs/b` one file (inode 70), and `fs/c` alone.
    func putLinkedTree() {
        let root = "\(Self.mount)/active"
        host.putTreeEntry(.root, below: root, EntryStatus(kind: .directory, inode: 2))
        host.putTreeEntry(TreePath("fs/a"), below: root, EntryStatus(kind: .regular, inode: 70, linkCount: 2))
        host.putTreeEntry(TreePath("fs/b"), below: root, EntryStatus(kind: .regular, inode: 70, linkCount: 2))
        host.putTreeEntry(TreePath("fs/c"), below: root, EntryStatus(kind: .regular, inode: 71))
    }

    @Test func withSQLiteMetadataOneReadOnlyQueryFindsTheGroupsAndNothingIsWalked() async throws {
        host.setLocalFile(Self.database)
        var rows = MetadataRows()
        rows.file("active/fs/one", inode: 40)
        rows.file("active/fs/two", inode: 40)
        runner.on(prefix: ["sqlite3"], .success(rows.output))

        let scan = try await scanner.scan("/active", mountPath: Self.mount, database: Self.database)

        #expect(scan.source == .metadata && scan.fallbackReason == nil)
        #expect(scan.groups.map(\.names) == [[TreePath("fs/one"), TreePath("fs/two")]])
        #expect(runner.argvs == [["sqlite3"] + HardLinkQuery.arguments(database: Self.database, tree: [Array("active".utf8)])])
        #expect(!host.calls.contains { $0.hasPrefix("linkedFiles") }, "\(host.calls)")
    }

    @Test func aMissingDatabaseIsNeverOpenedTheTreeIsWalkedAndTheResultSaysWhy() async throws {
        putLinkedTree()

        let scan = try await scanner.scan("/active", mountPath: Self.mount, database: Self.database)

        #expect(runner.commands.isEmpty, "sqlite3 would create the database: \(runner.argvs)")
        #expect(scan.source == .walk)
        #expect(scan.fallbackReason?.contains("\(Self.database) does not exist") == true, "\(scan)")
        #expect(scan.groups.map(\.names) == [[TreePath("fs/a"), TreePath("fs/b")]])
    }

    @Test func aFailedQueryFallsBackToTheWalkAndTheResultNamesTheError() async throws {
        host.setLocalFile(Self.database)
        putLinkedTree()
        runner.on(prefix: ["sqlite3"], .failure(stderr: "Parse error near line 1: no such table: jfs_edge\n"))

        let scan = try await scanner.scan("/active", mountPath: Self.mount, database: Self.database)

        #expect(scan.source == .walk)
        #expect(scan.fallbackReason?.contains("no such table: jfs_edge") == true, "\(scan)")
        #expect(scan.groups.map(\.names) == [[TreePath("fs/a"), TreePath("fs/b")]])
    }

    @Test func outputThatCannotBeReadAndASqlite3ThatCannotStartFallBackToTheWalkToo() async throws {
        host.setLocalFile(Self.database)
        putLinkedTree()
        runner.on(prefix: ["sqlite3"], .success("inode,parent,type,name\n"))
        let unreadable = try await scanner.scan("/active", mountPath: Self.mount, database: Self.database)
        runner.on(.prefix(["sqlite3"]), reply: .cannotStart("No such file or directory"))
        let missing = try await scanner.scan("/active", mountPath: Self.mount, database: Self.database)

        #expect(unreadable.source == .walk && unreadable.fallbackReason?.contains("unexpected line") == true, "\(unreadable)")
        #expect(missing.source == .walk && missing.fallbackReason?.contains("apt-get install sqlite3") == true, "\(missing)")
        #expect(missing.groups == unreadable.groups && missing.groups.count == 1)
    }

    @Test func anotherEngineIsWalkedWithoutAnyNote() async throws {
        putLinkedTree()

        let scan = try await scanner.scan("/active", mountPath: Self.mount, database: nil)

        #expect(runner.commands.isEmpty)
        #expect(scan.source == .walk && scan.fallbackReason == nil)
        #expect(host.calls.contains("linkedFiles \(Self.mount)/active"))
        #expect(scan.linkCount == 1)
    }

    @Test func aWalkThatFailsIsAnErrorThatSaysWhatToDo() async throws {
        await #expect {
            try await scanner.scan("/checkpoints/gone", mountPath: Self.mount, database: nil)
        } throws: { error in
            let text = "\(error)"
            return text.contains("walking /checkpoints/gone") && text.contains("juicectl status")
        }
    }
}
