import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@Suite("FakeHost: tree users and start times")
struct FakeHostTreeUsageTests {
    static let worker = TreeUser(
        tree: "/active", volumePath: "/active/fs",
        holder: .process(pid: 77, command: "sleep 1000", references: [.workingDirectory]))
    static let bind = TreeUser(
        tree: "/checkpoints/x", volumePath: "/checkpoints/x/fs",
        holder: .mount(mountPoint: "/srv/x", namespace: 4_026_532_201, hostNamespace: false, pids: [88]))

    @Test func answersTheUsersOfTheQueriedTreesAndRecordsEveryQuery() async {
        let host = FakeHost()
        host.setTreeUsers([Self.worker, Self.bind])
        let active = TreeUsageQuery(volumeDevice: "0:41", trees: ["/active"])
        let both = TreeUsageQuery(volumeDevice: "0:41", trees: ["/active", "/checkpoints/x"])
        #expect(await host.treeUsers(active) == [Self.worker])
        #expect(await host.treeUsers(both) == [Self.worker, Self.bind])
        #expect(host.treeUsageQueries == [active, both])
        #expect(host.calls == ["treeUsers /active", "treeUsers /active,/checkpoints/x"])
    }

    @Test func anAnswerClosureReplacesTheListAndCanChangeBetweenScans() async {
        let host = FakeHost()
        let scans = Mutex(0)
        host.setTreeUsersAnswer { _ in
            scans.withLock { count in
                count += 1
                return count == 1 ? [Self.worker] : []
            }
        }
        let query = TreeUsageQuery(volumeDevice: "0:41", trees: ["/active"])
        #expect(await host.treeUsers(query) == [Self.worker])
        #expect(await host.treeUsers(query).isEmpty)
        #expect(host.treeUsageQueries.count == 2)
    }

    @Test func startTimesAreAnsweredWhileTheProcessLives() {
        let host = FakeHost()
        host.setProcess(77, commandLine: ["sleep", "1000"])
        host.setStartTime(77, 151353)
        #expect(host.processStartTime(77) == 151353)
        #expect(host.processStartTime(78) == nil)
        host.setAlive(77, false)
        #expect(host.processStartTime(77) == nil)
    }
}
