import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Run status store")
struct RunStatusStoreTests {
    static let started = Date(timeIntervalSince1970: 1_800_000_000)

    /// A store on the real host, for the writer checks (they look at real processes).
    static let liveStore = RunStatusStore(stateDir: "/nonexistent", host: LiveHost())

    static func status(pid: Int32 = 4242) -> RunStatus {
        var status = RunStatus(
            volume: "fixvol", file: "/etc/juicectl/fixvol.yaml", revision: "0123456789abcdef",
            daemon: .init(pid: pid, startedAt: started, intervalSeconds: 30),
            updatedAt: started.addingTimeInterval(90),
            conditions: [
                Condition(
                    type: .ready, status: true, reason: .converged, message: "ok",
                    observedRevision: "0123456789abcdef", since: started.addingTimeInterval(10)),
                Condition(
                    type: .stalled, status: false, reason: .progressing, message: "no error",
                    observedRevision: "0123456789abcdef", since: started.addingTimeInterval(10)),
            ],
            pendingActions: ["quota /active/fs: declared"])
        status.lastReconcile = RunStatus.Pass(
            startedAt: started.addingTimeInterval(60), durationMs: 1234, result: .converged,
            actions: 2, failedActions: 0, message: "2 action(s), converged")
        status.lastConverged = started.addingTimeInterval(61)
        status.nextReconcile = started.addingTimeInterval(120)
        status.nextCheckpoint = started.addingTimeInterval(3600)
        status.retry.failures = 1
        status.retry.nextAttempt = started.addingTimeInterval(95)
        status.retry.lastError = "mount failed"
        status.specError = RunStatus.SpecError(messages: ["x.yaml:3:5: error: name: bad"], since: started.addingTimeInterval(30))
        status.checkpoints = RunStatus.CheckpointSummary(count: 3, newest: "daily-1", newestCreatedAt: started.addingTimeInterval(-60))
        status.backup = RunStatus.BackupSummary(running: true, lagTransactions: 2, replicaAgeSeconds: 1.5)
        return status
    }

    @Test func aSavedStatusLoadsBackEqualWithItsDates() async throws {
        try await withTemporaryDirectory { base in
            let store = RunStatusStore(stateDir: "\(base)/.juicectl", host: LiveHost())
            let status = Self.status()

            try store.save(status)

            #expect(store.path == "\(base)/.juicectl/status.json")
            let loaded = try #require(store.load())
            #expect(loaded == status)
            #expect(loaded.condition(.ready)?.since == Self.started.addingTimeInterval(10))
            #expect(loaded.retry.nextAttempt == Self.started.addingTimeInterval(95))
            #expect(loaded.lastReconcile?.result == .converged)
        }
    }

    @Test func savingAgainReplacesTheDocumentAndLeavesNoTemporaryFile() async throws {
        try await withTemporaryDirectory { base in
            let store = RunStatusStore(stateDir: base, host: LiveHost())
            try store.save(Self.status())
            var second = Self.status()
            second.revision = "fedcba9876543210"
            second.lastReconcile?.result = .failed

            try store.save(second)

            #expect(store.load() == second)
            let files = try FileManager.default.contentsOfDirectory(atPath: base)
            #expect(files == ["status.json"])
        }
    }

    @Test func aMissingFileLoadsAsNil() async throws {
        try await withTemporaryDirectory { base in
            #expect(RunStatusStore(stateDir: base, host: LiveHost()).load() == nil)
        }
    }

    @Test(arguments: ["{\"volume\": \"fixvol\", \"upd", "", "not json at all", "{\"formatVersion\": 1}"])
    func aDamagedFileLoadsAsNil(text: String) async throws {
        try await withTemporaryDirectory { base in
            let store = RunStatusStore(stateDir: base, host: LiveHost())
            #expect(FileManager.default.createFile(atPath: store.path, contents: Data(text.utf8)))

            #expect(store.load() == nil)
        }
    }

    @Test func aTruncatedSavedFileLoadsAsNil() async throws {
        try await withTemporaryDirectory { base in
            let store = RunStatusStore(stateDir: base, host: LiveHost())
            try store.save(Self.status())
            let data = try #require(FileManager.default.contents(atPath: store.path))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: store.path))

            #expect(store.load() == nil)
        }
    }

    @Test func theWriterIsNotAliveWhenItsPidDoesNotExist() {
        // Far above any pid_max (at most 2^22).
        #expect(!Self.liveStore.writerIsAlive(Self.status(pid: Int32.max)))
        #expect(!Self.liveStore.writerIsAlive(Self.status(pid: 0)))
        #expect(!Self.liveStore.writerIsAlive(Self.status(pid: -1)))
    }

    @Test func theWriterIsNotAliveWhenItsPidRunsAnotherProgram() async throws {
        let process = try Self.start("/usr/bin/sleep")
        defer { Self.stop(process) }

        #expect(!Self.liveStore.writerIsAlive(Self.status(pid: process.processIdentifier)))
    }

    @Test func theWriterIsAliveWhenItsPidRunsJuicectl() async throws {
        try await withTemporaryDirectory { base in
            // A program whose name is juicectl (a copy of sleep): /proc/<pid>/comm says juicectl.
            let program = "\(base)/juicectl"
            try FileManager.default.copyItem(atPath: "/usr/bin/sleep", toPath: program)
            let process = try Self.start(program)
            defer { Self.stop(process) }

            #expect(Self.liveStore.writerIsAlive(Self.status(pid: process.processIdentifier)))

            Self.stop(process)
            #expect(!Self.liveStore.writerIsAlive(Self.status(pid: process.processIdentifier)), "once it exited, it is history")
        }
    }

    static func start(_ program: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["60"]
        try process.run()
        return process
    }

    /// Kills and reaps the process. SIGKILL, not SIGTERM: a child inherits ignored signals, and a test process may
    /// ignore SIGTERM (a `sleep 60` that outlived terminate() would hold a thread of the test pool for a minute).
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
