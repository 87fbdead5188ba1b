import Foundation
import JuiceCtl
import JuiceCtlTestSupport
import Testing

@Suite("FakeHost")
struct FakeHostTests {
    @Test func answersStatFromItsTableAndENOENTOtherwise() async {
        let host = FakeHost()
        host.setDirectory("/m", inode: 1)
        host.setStat("/dead", .failed(errno: ENOTCONN, message: "Transport endpoint is not connected"))
        host.setStat("/hung", .timedOut)
        #expect(await host.stat("/m", deadline: .seconds(1)) == .found(inode: 1, isDirectory: true))
        #expect(await host.stat("/hung", deadline: .seconds(1)) == .timedOut)
        #expect(await host.stat("/nothing", deadline: .seconds(1)) == .failed(errno: ENOENT, message: "No such file or directory"))
        #expect(host.calls == ["stat /m", "stat /hung", "stat /nothing"])
    }

    @Test func mkdirCreatesUnderADirectoryAndRecordsIt() async {
        let host = FakeHost()
        host.setDirectory("/m", inode: 1)
        #expect(await host.makeDirectory("/m/a", mode: 0o755, deadline: .seconds(1)) == 0)
        #expect(await host.makeDirectory("/m/a", mode: 0o755, deadline: .seconds(1)) == EEXIST)
        #expect(await host.makeDirectory("/m/x/y", mode: 0o755, deadline: .seconds(1)) == ENOENT)
        host.setMkdirResult("/m/b", errno: EDQUOT)
        #expect(await host.makeDirectory("/m/b", mode: 0o755, deadline: .seconds(1)) == EDQUOT)
        #expect(host.createdDirectories == ["/m/a"])
        guard case .found(_, true) = await host.stat("/m/a", deadline: .seconds(1)) else {
            Issue.record("a created directory answers stat")
            return
        }
    }

    @Test func editsTheMountTableByDecodedMountPoint() throws {
        let host = FakeHost()
        host.appendMountInfo(FakeHost.mountInfoLine(id: 1, mountPoint: "/a b", fstype: "fuse.juicefs", source: "JuiceFS:v"))
        host.appendMountInfo(FakeHost.mountInfoLine(id: 2, mountPoint: "/c", fstype: "tmpfs", source: "t"))
        host.appendMountInfo(FakeHost.mountInfoLine(id: 3, mountPoint: "/a b", fstype: "tmpfs", source: "top"))
        host.removeMountInfo(at: "/a b", onlyTop: true)
        #expect(MountInfoParser.parse(try host.mountInfo()).map(\.id) == [1, 2])
        host.removeMountInfo(at: "/a b")
        #expect(MountInfoParser.parse(try host.mountInfo()).map(\.id) == [2])
    }

    @Test func anUnreadableMountTableThrows() {
        let host = FakeHost()
        host.update { $0.mountInfoFailure = "EACCES" }
        #expect(throws: FakeHostError(message: "EACCES")) { try host.mountInfo() }
    }

    @Test func aGoneProcessHasNoCommandLine() {
        let host = FakeHost()
        host.setProcess(10, commandLine: ["juicefs", "mount"])
        #expect(host.commandLine(of: 10) == ["juicefs", "mount"])
        #expect(host.isAlive(10))
        host.setAlive(10, false)
        #expect(host.commandLine(of: 10) == nil)
        #expect(!host.isAlive(10))
    }

    @Test func localDirectoriesExistOnceCreatedWithTheirParents() throws {
        let host = FakeHost()
        try host.createLocalDirectory("/srv/v/.juicectl", mode: 0o700)
        #expect(host.fileExists("/srv/v/.juicectl"))
        #expect(host.fileExists("/srv/v"))
        #expect(!host.fileExists("/srv/w"))
        host.update { $0.localDirectoryFailures["/ro"] = "Read-only file system" }
        #expect(throws: FakeHostError.self) { try host.createLocalDirectory("/ro", mode: 0o755) }
        #expect(host.createdLocalDirectories == ["/srv/v/.juicectl"])
    }

    @Test func filesStatfsAndProcessesUsingAnswerAsSet() async {
        let host = FakeHost()
        host.setFile("/m/.config", text: "{}")
        host.setStatfs("/m", FilesystemStats(blockSize: 4096, blocks: 10, freeBlocks: 5, files: 3, freeFiles: 1))
        host.setProcessesUsing("/m", [7, 8])
        #expect(await host.readFile("/m/.config", deadline: .seconds(1)) == Data("{}".utf8))
        #expect(await host.readFile("/m/.stats", deadline: .seconds(1)) == nil)
        #expect(await host.statfs("/m", deadline: .seconds(1))?.totalBytes == 40960)
        #expect(await host.statfs("/n", deadline: .seconds(1)) == nil)
        #expect(host.processesUsing("/m") == [7, 8])
        #expect(host.processesUsing("/n").isEmpty)
    }

    @Test func escapesLikeTheKernel() {
        #expect(FakeHost.escape("/a b\tc\nd\\e ü") == "/a\\040b\\011c\\012d\\134e\\040ü")
    }

    @Test func processesListsTheLiveOnesWithACommandLine() {
        let host = FakeHost()
        host.setProcess(10, commandLine: ["/bin/litestream", "replicate"])
        host.setProcess(11, commandLine: ["/bin/sleep"], alive: false)
        host.setProcess(12, commandLine: nil)
        #expect(host.processes() == [10: ["/bin/litestream", "replicate"]])
    }

    @Test func sigtermEndsAProcessUnlessItIgnoresItAndSigkillAlwaysDoes() {
        let host = FakeHost()
        host.setProcess(10, commandLine: ["a"])
        host.setProcess(11, commandLine: ["b"])
        host.update { $0.ignoringSIGTERM = [11] }
        #expect(host.signal(10, SIGTERM))
        #expect(host.signal(11, SIGTERM))
        #expect(!host.isAlive(10) && host.isAlive(11))
        #expect(host.signal(11, SIGKILL))
        #expect(!host.isAlive(11))
        #expect(!host.signal(10, SIGTERM), "a gone process gets no signal")
        #expect(host.snapshot.signals.map { "\($0.0):\($0.1)" } == ["10:\(SIGTERM)", "11:\(SIGTERM)", "11:\(SIGKILL)", "10:\(SIGTERM)"])
    }

    @Test func writingALocalFileRecordsItsModeAndModificationDatesAreSetByTheTest() throws {
        let host = FakeHost()
        try host.writeLocalFile("/s/f", Data("x".utf8), mode: 0o600)
        #expect(host.snapshot.fileModes["/s/f"] == 0o600)
        #expect(host.modificationDate("/s/f") == nil)
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        host.update { $0.modificationDates["/s/f"] = date }
        #expect(host.modificationDate("/s/f") == date)
    }
}
