import Foundation
import JuiceCtl
import JuiceCtlTestSupport
import Testing

/// The fake volume trees the checkpoint tests rely on.
@Suite("FakeHost: trees on a fake volume")
struct FakeHostTreeTests {
    /// `/m` (1) with `/m/a` (2) holding the file `/m/a/f` (3, "x"), and `/m/b` (4).
    static func volume() -> FakeHost {
        let host = FakeHost()
        host.setDirectory("/m", inode: 1)
        host.setDirectory("/m/a", inode: 2)
        host.setStat("/m/a/f", .found(inode: 3, isDirectory: false))
        host.setFile("/m/a/f", text: "x")
        host.setDirectory("/m/b", inode: 4)
        return host
    }

    @Test func aFileWrittenOnTheVolumeAnswersStatAndRemovingItForgetsIt() async throws {
        let host = Self.volume()
        try host.writeLocalFile("/m/b/record.json", Data("{}".utf8), mode: 0o644)
        guard case .found(_, false) = await host.stat("/m/b/record.json", deadline: .seconds(1)) else {
            Issue.record("a written file answers stat")
            return
        }
        try host.removeLocalItem("/m/b/record.json")
        #expect(await host.stat("/m/b/record.json", deadline: .seconds(1)) == .failed(errno: ENOENT, message: "No such file or directory"))
        #expect(host.text(of: "/m/b/record.json") == nil)
    }

    @Test func aLocalFileOutsideAVolumeGetsNoStatAnswer() async throws {
        let host = FakeHost()
        try host.createLocalDirectory("/state", mode: 0o700)
        try host.writeLocalFile("/state/intent", Data("x".utf8), mode: 0o600)
        #expect(host.inode(of: "/state/intent") == nil)
        #expect(host.fileExists("/state/intent"))
    }

    @Test func renameMovesATreeKeepingInodesAndNeedsTheDestinationDirectory() async {
        let host = Self.volume()
        #expect(await host.rename("/m/a", to: "/m/b/a", mode: .noReplace, deadline: .seconds(1)) == 0)
        #expect(host.inode(of: "/m/b/a") == 2)
        #expect(host.inode(of: "/m/b/a/f") == 3)
        #expect(host.text(of: "/m/b/a/f") == "x")
        #expect(host.paths(under: "/m/a").isEmpty)
        #expect(await host.rename("/m/b/a", to: "/m/nowhere/a", mode: .noReplace, deadline: .seconds(1)) == ENOENT)
        #expect(await host.rename("/m/b/a", to: "/m/b", mode: .noReplace, deadline: .seconds(1)) == EEXIST)
        #expect(host.inode(of: "/m/b/a") == 2, "a failed rename changes nothing")
    }

    @Test func exchangeSwapsTwoTrees() async {
        let host = Self.volume()
        host.setFile("/m/b/g", text: "y")
        host.setStat("/m/b/g", .found(inode: 5, isDirectory: false))
        #expect(await host.rename("/m/a", to: "/m/b", mode: .exchange, deadline: .seconds(1)) == 0)
        #expect(host.inode(of: "/m/a") == 4)
        #expect(host.inode(of: "/m/b") == 2)
        #expect(host.text(of: "/m/a/g") == "y")
        #expect(host.text(of: "/m/b/f") == "x")
        #expect(await host.rename("/m/a", to: "/m/missing", mode: .exchange, deadline: .seconds(1)) == ENOENT)
    }

    @Test func copyTreeGivesNewInodesAndRefusesAnExistingDestination() {
        let host = Self.volume()
        #expect(host.copyTree("/m/a", to: "/m/c") == 0)
        #expect(host.text(of: "/m/c/f") == "x")
        let copied = [host.inode(of: "/m/c"), host.inode(of: "/m/c/f")].compactMap { $0 }
        #expect(copied.count == 2 && !copied.contains(2) && !copied.contains(3))
        #expect(host.inode(of: "/m/a") == 2, "the source stays")
        #expect(host.copyTree("/m/a", to: "/m/b") == EEXIST)
        #expect(host.copyTree("/m/none", to: "/m/d") == ENOENT)
        #expect(host.copyTree("/m/a", to: "/m/x/y") == ENOENT)
    }

    @Test func removeTreeRemovesEverythingUnderThePathOnly() {
        let host = Self.volume()
        host.setDirectory("/m/ab", inode: 9)
        #expect(host.removeTree("/m/a"))
        #expect(host.paths(under: "/m/a").isEmpty)
        #expect(host.inode(of: "/m/ab") == 9, "a sibling sharing the prefix stays")
        #expect(!host.removeTree("/m/a"))
    }

    @Test func listDirectoryShowsDirectoriesFilesAndWrittenRecords() async throws {
        let host = Self.volume()
        try host.writeLocalFile("/m/b/r.json", Data("{}".utf8), mode: 0o644)
        #expect(await host.listDirectory("/m", deadline: .seconds(1)) == ["a", "b"])
        #expect(await host.listDirectory("/m/b", deadline: .seconds(1)) == ["r.json"])
        #expect(await host.listDirectory("/m/a/f", deadline: .seconds(1)) == nil, "a file is no directory")
        #expect(await host.listDirectory("/m/none", deadline: .seconds(1)) == nil)
        #expect(host.calls.contains("listDirectory /m"))
    }
}
