import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The state, status and event files go through ``HostProbing`` only: on a fake host they touch no disk.
@Suite("File stores on a fake host")
struct FileStoresOnFakeHostTests {
    static let stateDir = "/srv/fixvol/.juicectl"

    @Test func theStateFileIsWrittenAtomicallyForRootAloneAndReadBack() throws {
        let host = FakeHost()
        let store = StateStore(stateDir: Self.stateDir, host: host)
        var state = VolumeState()
        state.mountPaths = ["/srv/fixvol/data"]
        state.quotas["/active/fs"] = .init(capacity: 1 << 30, inodes: nil, setAt: Date(timeIntervalSince1970: 1_800_000_000))

        try store.save(state)

        #expect(store.load() == state)
        #expect(host.createdLocalDirectories == [Self.stateDir])
        #expect(host.snapshot.fileModes[store.path] == 0o600)
        #expect(host.calls.contains("writeLocalFile \(store.path)"))
        #expect(!FileManager.default.fileExists(atPath: Self.stateDir), "nothing on disk")
    }

    @Test func aMissingOrDamagedStateFileReadsAsAnEmptyState() {
        let host = FakeHost()
        let store = StateStore(stateDir: Self.stateDir, host: host)
        #expect(store.load() == VolumeState())
        host.setFile(store.path, text: "{ not json")
        #expect(store.load() == VolumeState())
    }

    @Test func theStatusFileRoundTripsThroughTheHost() throws {
        let host = FakeHost()
        let store = RunStatusStore(stateDir: Self.stateDir, host: host)
        #expect(store.load() == nil)
        let status = RunStatus(
            volume: "fixvol", file: "/etc/juicectl/fixvol.yaml", revision: "0123456789abcdef",
            daemon: .init(pid: 4242, startedAt: Date(timeIntervalSince1970: 1_800_000_000), intervalSeconds: 30),
            updatedAt: Date(timeIntervalSince1970: 1_800_000_090), conditions: [], pendingActions: [])

        try store.save(status)

        #expect(store.load() == status)
        #expect(host.snapshot.fileModes[store.path] == 0o600)
        #expect(host.createdLocalDirectories == [Self.stateDir])
    }

    static func event(_ message: String) -> VolumeEvent {
        VolumeEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000), volume: "fixvol", revision: "0123456789abcdef", actor: "cli",
            operation: "apply", kind: .action, action: "set-quota", target: "/active/fs", result: "done", message: message)
    }

    @Test func eventsAreAppendedUnderTheLogsLockAndComeBackInOrder() {
        let host = FakeHost()
        let log = EventLog(stateDir: Self.stateDir, host: host)

        #expect(log.append(Self.event("first")))
        #expect(log.append([Self.event("second"), Self.event("third")]))

        #expect(log.recent().map(\.message) == ["first", "second", "third"])
        let calls = host.calls.filter { $0.hasPrefix("lock") || $0.hasPrefix("unlock") || $0.hasPrefix("appendLocalLines") }
        #expect(
            Array(calls.prefix(3)) == ["lock \(log.path).lock", "appendLocalLines \(log.path)", "unlock \(log.path).lock"],
            "\(calls)")
        #expect(host.snapshot.fileModes[log.path] == 0o600)
    }

    @Test func aLineTornByACrashIsEndedBeforeTheNextEvent() {
        let host = FakeHost()
        let log = EventLog(stateDir: Self.stateDir, host: host)
        host.update { $0.fileContents[log.path] = Data("{\"torn\":".utf8) }

        #expect(log.append(Self.event("after the crash")))

        #expect(log.recent().map(\.message) == ["after the crash"], "the torn line is skipped, the new one kept")
    }

    @Test func theLogRotatesThroughTheHostAndKeepsKeepFiles() {
        let host = FakeHost()
        // Every line is larger than maxBytes: each append after the first rotates.
        let log = EventLog(stateDir: Self.stateDir, maxBytes: 64, keep: 2, host: host)

        for index in 1...5 { #expect(log.append(Self.event("event \(index)"))) }

        let files = host.snapshot.fileContents.keys.filter { $0.hasPrefix(log.path) }.sorted()
        #expect(files == [log.path, "\(log.path).1", "\(log.path).2"])
        #expect(log.recent().map(\.message) == ["event 3", "event 4", "event 5"], "the oldest were dropped")
    }

    @Test func aLockHolderIsReadThroughTheHost() throws {
        let host = FakeHost()
        let holder = VolumeLock.Holder(pid: 42, host: "node-1", operation: "apply", since: "2027-01-15T08:00:00Z")
        host.update { $0.fileContents["\(Self.stateDir)/lock"] = try? JSONEncoder().encode(holder) }

        #expect(VolumeLock.readHolder("\(Self.stateDir)/lock", host: host) == holder)
        #expect(VolumeLock.readHolder("\(Self.stateDir)/other", host: host) == nil)
    }

    @Test func theFakeVolumeLockIsHeldUntilReleasedAndIsBusyWhileAnotherProcessHoldsIt() async throws {
        let host = FakeHost()
        let path = "\(Self.stateDir)/lock"

        let lock = try await host.exclusiveLock(path, operation: "apply", timeout: .seconds(1))
        #expect(host.snapshot.heldLocks == [path: "apply"])
        lock.release()
        #expect(host.snapshot.heldLocks.isEmpty)

        let holder = VolumeLock.Holder(pid: 42, host: "node-1", operation: "down", since: "2027-01-15T08:00:00Z")
        host.update { $0.locksHeldElsewhere[path] = holder }
        await #expect {
            _ = try await host.exclusiveLock(path, operation: "apply", timeout: .seconds(5))
        } throws: { error in
            (error as? VolumeLock.Busy).map { $0.path == path && $0.holder == holder && $0.waited == .seconds(5) } ?? false
        }
        #expect(host.snapshot.heldLocks.isEmpty)
    }
}
