import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The position of the first call in `calls` that starts with `prefix`, or `Int.max`.
private func index(of prefix: String, in calls: [String]) -> Int {
    calls.firstIndex { $0.hasPrefix(prefix) } ?? .max
}

/// The pid record on the fake host.
private func pidRecord(_ scenario: VolumeScenario) throws -> LitestreamPidRecord {
    let data = try #require(scenario.host.snapshot.fileContents[scenario.spec.litestreamPidFile], "no pid record")
    return try CheckpointJSON.decoder.decode(LitestreamPidRecord.self, from: data)
}

/// An executor whose tools have no litestream (a bare name: not found on PATH at startup).
private func withoutLitestream(_ scenario: VolumeScenario) -> Executor {
    Executor(
        host: scenario.host, runner: scenario.runner,
        tools: Tools(juicefs: VolumeScenario.tools.juicefs, umount: VolumeScenario.tools.umount),
        logger: .quiet)
}

/// The replica holds one LTX file, so a restore is possible.
private func replicaHoldsData(_ scenario: VolumeScenario) throws {
    scenario.host.setLocalFile("\(try #require(scenario.spec.backup?.replicaPath))/ltx/0/\(VolumeScenario.ltxName(1, 0x40))")
}

@Suite("Executor: start backup")
struct ExecutorStartBackupTests {
    @Test func writesTheConfigStartsLitestreamDetachedAndRecordsItsPidWithTheConfigDigest() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            FakeLitestream(scenario: scenario).installStart()
            let text = try #require(LitestreamConfig.text(for: spec))

            let result = await scenario.executor.execute(scenario.action(.startBackup, spec.metadata.sqlitePath), spec: spec)

            #expect(result.outcome == .done("started Litestream (pid 31337) replicating to \(base)/replica"))
            let command = try #require(scenario.runner.commands.first)
            #expect(scenario.runner.commands.count == 1, "litestream runs once, through the shell")
            #expect(command.executable == "/bin/sh")
            #expect(
                Array(command.arguments.dropFirst(2)) == [
                    VolumeScenario.tools.litestream, spec.litestreamConfigFile, spec.litestreamLogFile,
                ],
                "the paths are the shell's arguments, never spliced into its script")
            let script = try #require(command.arguments.dropFirst().first)
            #expect(command.arguments.first == "-c")
            #expect(script.contains("\"$0\" replicate -config \"$1\""))
            #expect(script.contains(">>\"$2\" 2>&1 </dev/null &"), "detached, its output appended to the log")
            #expect(script.hasSuffix("echo $!"))

            let state = scenario.host.snapshot
            #expect(scenario.host.text(of: spec.litestreamConfigFile) == text)
            #expect(state.fileModes[spec.litestreamConfigFile] == 0o600)
            #expect(state.fileModes[spec.litestreamPidFile] == 0o600)
            let record = try pidRecord(scenario)
            #expect(record.pid == 31337)
            #expect(record.configDigest == LitestreamConfig.digest(text))
            #expect(abs(record.started.timeIntervalSinceNow) < 60)

            let calls = scenario.host.calls
            #expect(index(of: "writeLocalFile \(spec.litestreamConfigFile)", in: calls) < index(of: "run sh", in: calls))
            #expect(
                index(of: "removeLocalItem \(spec.litestreamSocket)", in: calls) < index(of: "run sh", in: calls),
                "a socket left by an earlier process does not count as this one's")
            #expect(index(of: "run sh", in: calls) < index(of: "writeLocalFile \(spec.litestreamPidFile)", in: calls))
            #expect(
                index(of: "writeLocalFile \(spec.litestreamPidFile)", in: calls)
                    < index(of: "fileExists \(spec.litestreamSocket)", in: calls))
            #expect(scenario.host.createdLocalDirectories.contains(spec.stateDir))
        }
    }

    @Test func returnsOnlyOnceTheControlSocketExists() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            FakeLitestream(scenario: scenario).installStart(.comesUpAfter(.milliseconds(300)))
            let clock = ContinuousClock()
            let start = clock.now

            let result = await scenario.executor.execute(scenario.action(.startBackup), spec: scenario.spec)

            #expect(clock.now - start >= .milliseconds(300))
            guard case .done = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(
                scenario.host.calls.filter { $0 == "fileExists \(scenario.spec.litestreamSocket)" }.count > 1, "it polled for the socket")
        }
    }

    @Test func aLitestreamThatDiesBeforeItsSocketFailsWithTheLastLineOfItsLog() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            FakeLitestream(scenario: scenario).installStart(
                .dies(log: "time=x level=INFO msg=starting\ntime=x level=ERROR msg=\"cannot open db\"\n"))

            let result = await scenario.executor.execute(scenario.action(.startBackup), spec: scenario.spec)

            #expect(
                result.outcome
                    == .failed(
                        """
                        Litestream (pid 31337) did not come up: time=x level=ERROR msg=\"cannot open db\"; see \
                        \(scenario.spec.litestreamLogFile)
                        """
                    ))
        }
    }

    @Test func aLitestreamJuicectlRecordedIsNeverStartedTwice() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            FakeLitestream(scenario: scenario).installStart()

            let result = await scenario.executor.execute(scenario.action(.startBackup), spec: scenario.spec)

            #expect(result.outcome == .skipped("Litestream already runs (pid \(VolumeScenario.litestreamPID))"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(try pidRecord(scenario).pid == VolumeScenario.litestreamPID)
        }
    }

    @Test(arguments: ["config", "database"])
    func aLitestreamReplicatingThisVolumeWithoutARecordIsAdoptedNotDoubled(naming: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            let commandLine =
                naming == "config"
                ? scenario.litestreamCommandLine
                : ["/usr/local/bin/litestream", "replicate", database, "file:///srv/elsewhere"]
            scenario.host.setProcess(4545, commandLine: commandLine)
            FakeLitestream(scenario: scenario).installStart()

            let result = await scenario.executor.execute(scenario.action(.startBackup), spec: scenario.spec)

            #expect(
                result.outcome
                    == .done(
                        """
                        adopted the Litestream already replicating this volume (pid 4545); the next plan restarts it with juicectl's \
                        configuration
                        """
                    ))
            #expect(scenario.runner.commands.isEmpty, "no second writer of the replica")
            let record = try pidRecord(scenario)
            #expect(record.pid == 4545 && record.configDigest == "adopted")
            #expect(scenario.observer.observeBackup(scenario.spec)?.process == .running(pid: 4545, configDigest: "adopted"))
        }
    }

    @Test func withoutALitestreamBinaryBackupActionsFailNamingMakeSetup() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try replicaHoldsData(scenario)
            let executor = withoutLitestream(scenario)

            for kind in [Action.Kind.startBackup, .restoreMetadata, .restartBackup] {
                let result = await executor.execute(scenario.action(.placeholder(kind, target: scenario.mountPath)), spec: scenario.spec)
                guard case .failed(let message) = result.outcome else {
                    Issue.record("\(kind): expected a failure, got \(result.outcome)")
                    continue
                }
                #expect(message.hasPrefix("litestream not found (not on PATH and JUICECTL_LITESTREAM is not set)."), "\(kind): \(message)")
                #expect(message.contains("Run `make setup`"), "\(kind): \(message)")
                #expect(message.contains("set JUICECTL_LITESTREAM to the binary"), "\(kind): \(message)")
            }
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.text(of: scenario.spec.litestreamConfigFile) == nil, "nothing written for a program that is not there")
        }
    }

    @Test(arguments: [false, true])
    func afterAnUncleanStopAFullSnapshotIsTakenFirst(cleanStop: Bool) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            let database = try #require(spec.metadata.sqlitePath)
            // Litestream's state beside the database, from an earlier run.
            scenario.host.setLocalFile(LitestreamFiles.sidecar(of: database))
            scenario.host.setLocalFile("\(LitestreamFiles.sidecar(of: database))/ltx/0/\(VolumeScenario.ltxName(1, 5))")
            if cleanStop { scenario.host.setLocalFile(spec.litestreamCleanStopFile) }
            let litestream = FakeLitestream(scenario: scenario)
            litestream.installCommands()
            litestream.installStart()

            let result = await scenario.executor.execute(scenario.action(.startBackup), spec: spec)

            let snapshot = ["litestream", "replicate", "-config", spec.litestreamConfigFile, "-once", "-force-snapshot"]
            #expect(scenario.runner.argvs.map(\.first) == (cleanStop ? ["sh"] : ["litestream", "sh"]))
            #expect(scenario.runner.argvs.contains(snapshot) == !cleanStop, "the snapshot runs before the replicating process starts")
            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.contains("took a full snapshot first") == !cleanStop)
            #expect(!scenario.host.fileExists(spec.litestreamCleanStopFile), "the marker holds for one start only")
        }
    }
}

@Suite("Executor: stop backup")
struct ExecutorStopBackupTests {
    @Test func syncsFirstThenTerminatesAndRemovesThePidRecord() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            let database = try #require(spec.metadata.sqlitePath)
            try scenario.installReplicatingLitestream(txid: 0x2a)
            scenario.host.setLocalFile(spec.litestreamSocket)
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.stopBackup, database), spec: spec)

            #expect(
                result.outcome
                    == .done(
                        "stopped Litestream (pid \(VolumeScenario.litestreamPID)); final sync done; the replica ends at transaction 42"))
            #expect(
                scenario.runner.argvs == [["litestream", "sync", "-wait", "-timeout", "30", "-socket", spec.litestreamSocket, database]])
            let calls = scenario.host.calls
            #expect(
                index(of: "run litestream sync", in: calls) < index(of: "signal \(VolumeScenario.litestreamPID) \(SIGTERM)", in: calls),
                "the final sync comes before the signal")
            let signals = scenario.host.snapshot.signals
            #expect(
                signals.map { $0.0 } == [VolumeScenario.litestreamPID] && signals.map { $0.1 } == [SIGTERM],
                "no SIGKILL for a process that stops")
            #expect(!scenario.host.isAlive(VolumeScenario.litestreamPID))
            #expect(scenario.host.snapshot.fileContents[spec.litestreamPidFile] == nil)
            #expect(scenario.host.fileExists(spec.litestreamCleanStopFile), "a clean stop is recorded")
            #expect(scenario.observer.observeBackup(spec)?.process == .stopped)
        }
    }

    @Test func killsOnlyAProcessThatDoesNotExitAfterSIGTERM() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.update { $0.ignoringSIGTERM = [VolumeScenario.litestreamPID] }
            var executor = scenario.executor
            executor.backupStopTimeout = .milliseconds(200)

            let result = await executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            let signals = scenario.host.snapshot.signals
            #expect(signals.map { $0.0 } == [VolumeScenario.litestreamPID, VolumeScenario.litestreamPID])
            #expect(signals.map { $0.1 } == [SIGTERM, SIGKILL])
            #expect(
                result.outcome
                    == .done(
                        """
                        stopped Litestream (pid \(VolumeScenario.litestreamPID)); pid \(VolumeScenario.litestreamPID) did not stop \
                        within 0.2 s and was killed; the replica ends at transaction 7
                        """
                    ))
            #expect(!scenario.host.fileExists(scenario.spec.litestreamCleanStopFile), "a killed Litestream did not stop cleanly")
            #expect(scenario.host.snapshot.fileContents[scenario.spec.litestreamPidFile] == nil)
        }
    }

    @Test func withoutItsSocketThereIsNoSyncButLitestreamStillStops() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.snapshot.signals.map { $0.1 } == [SIGTERM])
            #expect(result.outcome == .done("stopped Litestream (pid \(VolumeScenario.litestreamPID)); the replica ends at transaction 7"))
        }
    }

    @Test func aFailedFinalSyncIsReportedAndLitestreamStillStops() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setLocalFile(scenario.spec.litestreamSocket)
            scenario.runner.on(prefix: ["litestream", "sync"], .failure(stderr: "Error: context deadline exceeded\n"))

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            #expect(
                result.outcome
                    == .done(
                        """
                        stopped Litestream (pid \(VolumeScenario.litestreamPID)); final sync failed (Error: context deadline \
                        exceeded); Litestream syncs again while stopping; the replica ends at transaction 7
                        """
                    ))
            #expect(scenario.host.snapshot.signals.map { $0.1 } == [SIGTERM])
        }
    }

    @Test func withoutALitestreamBinaryItStillStopsWithoutTheSync() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setLocalFile(scenario.spec.litestreamSocket)

            let result = await withoutLitestream(scenario).execute(scenario.action(.stopBackup), spec: scenario.spec)

            guard case .done = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(scenario.runner.commands.isEmpty)
            #expect(scenario.host.snapshot.signals.map { $0.1 } == [SIGTERM])
        }
    }

    @Test func nothingRunningIsSkippedAndAStaleRecordRemoved() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.recordLitestream(pid: VolumeScenario.litestreamPID, digest: "old")

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            #expect(result.outcome == .skipped("Litestream is not running"))
            #expect(scenario.host.snapshot.signals.isEmpty)
            #expect(scenario.host.snapshot.fileContents[scenario.spec.litestreamPidFile] == nil)
        }
    }

    @Test func aReusedPidIsNeverSignalled() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.recordLitestream(pid: VolumeScenario.litestreamPID, digest: "old")
            scenario.host.setProcess(VolumeScenario.litestreamPID, commandLine: ["/usr/sbin/sshd", "-D"])

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            #expect(result.outcome == .skipped("Litestream is not running"))
            #expect(scenario.host.snapshot.signals.isEmpty)
            #expect(scenario.host.isAlive(VolumeScenario.litestreamPID))
        }
    }

    @Test func everyLitestreamReplicatingThisVolumeIsStopped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            try scenario.installReplicatingLitestream()
            scenario.host.setProcess(4545, commandLine: ["/usr/local/bin/litestream", "replicate", database, "file:///srv/elsewhere"])
            scenario.host.setProcess(4646, commandLine: ["/usr/local/bin/litestream", "replicate", "-config", "/etc/other.yml"])

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            #expect(Set(scenario.host.snapshot.signals.map { $0.0 }) == [4545, VolumeScenario.litestreamPID], "not the other volume's")
            #expect(scenario.host.isAlive(4646))
            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.hasPrefix("stopped Litestream (pid 4545, \(VolumeScenario.litestreamPID))"))
        }
    }

    @Test func restartStopsTheOldProcessThenStartsOneWithTheSpecsConfiguration() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream(digest: "old")
            scenario.host.setFile(scenario.spec.litestreamConfigFile, text: "# old\n")
            let litestream = FakeLitestream(scenario: scenario)
            litestream.installCommands()
            litestream.installStart()

            let result = await scenario.executor.execute(scenario.action(.restartBackup), spec: scenario.spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.hasPrefix("stopped Litestream (pid \(VolumeScenario.litestreamPID))"))
            #expect(text.contains("started Litestream (pid 31337)"))
            let calls = scenario.host.calls
            #expect(
                index(of: "signal \(VolumeScenario.litestreamPID) \(SIGTERM)", in: calls) < index(of: "run sh", in: calls),
                "never two writers of one replica")
            let backup = try #require(scenario.observer.observeBackup(scenario.spec))
            #expect(backup.configCurrent)
            #expect(
                backup.process
                    == .running(pid: 31337, configDigest: LitestreamConfig.digest(try #require(LitestreamConfig.text(for: scenario.spec)))))
        }
    }
}

@Suite("Executor: restore metadata")
struct ExecutorRestoreMetadataTests {
    @Test func restoresTheMissingDatabaseFromTheReplicaWithTheVolumesConfig() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            let database = try #require(spec.metadata.sqlitePath)
            try replicaHoldsData(scenario)
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata, database), spec: spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.hasPrefix("restored \(database) from \(base)/replica in "))
            #expect(!text.contains("moved"))
            #expect(
                scenario.runner.argvs == [
                    ["litestream", "restore", "-config", spec.litestreamConfigFile, "-if-replica-exists", "-o", database, database]
                ])
            let calls = scenario.host.calls
            #expect(index(of: "writeLocalFile \(spec.litestreamConfigFile)", in: calls) < index(of: "run litestream restore", in: calls))
            #expect(scenario.host.text(of: spec.litestreamConfigFile) == LitestreamConfig.text(for: spec))
            #expect(scenario.host.snapshot.fileModes[spec.litestreamConfigFile] == 0o600)
            #expect(!calls.contains { $0.hasPrefix("moveLocalItem") })
            #expect(scenario.host.fileExists(database))
        }
    }

    @Test func anEmptyDatabaseWithItsWalAndShmIsMovedAsideIntoTheStateDirectoryFirst() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            let database = try #require(spec.metadata.sqlitePath)
            try replicaHoldsData(scenario)
            for suffix in ["", "-wal", "-shm"] { scenario.host.setLocalFile(database + suffix) }
            scenario.runner.on(
                ["juicefs", "status", scenario.url], .failure(stderr: try Fixture.text("juicefs/status-unformatted.stderr")))
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata, database), spec: spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            let moves = scenario.host.calls.filter { $0.hasPrefix("moveLocalItem") }
            #expect(moves.count == 3)
            let aside = try #require(moves.first?.split(separator: " ").last.map { ($0 as NSString).deletingLastPathComponent })
            #expect(aside.hasPrefix("\(spec.stateDir)/empty-metadata-"))
            #expect(moves == ["", "-wal", "-shm"].map { "moveLocalItem \(database)\($0) \(aside)/metadata.db\($0)" })
            #expect(text.hasSuffix("; the empty database files were moved to \(aside)"))
            let calls = scenario.host.calls
            #expect(index(of: "moveLocalItem", in: calls) < index(of: "run litestream restore", in: calls))
            #expect(["", "-wal", "-shm"].allSatisfy { scenario.host.fileExists("\(aside)/metadata.db\($0)") }, "kept, never deleted")
            #expect(!scenario.host.fileExists(database + "-wal"), "no stale WAL beside the restored database")
        }
    }

    @Test func aWalAndShmLeftWithoutTheirDatabaseAreMovedAsideToo() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            try replicaHoldsData(scenario)
            for suffix in ["-wal", "-shm"] { scenario.host.setLocalFile(database + suffix) }
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata, database), spec: scenario.spec)

            guard case .done = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            let moves = scenario.host.calls.filter { $0.hasPrefix("moveLocalItem") }
            #expect(moves.count == 2 && moves.allSatisfy { $0.contains("\(scenario.spec.stateDir)/empty-metadata-") }, "\(moves)")
            #expect(
                !scenario.host.fileExists(database + "-wal") && !scenario.host.fileExists(database + "-shm"),
                "SQLite would replay a stale WAL onto the restored database")
        }
    }

    @Test func refusesWhenTheEngineAlreadyHoldsAVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            try replicaHoldsData(scenario)
            scenario.runner.on(["juicefs", "status", scenario.url], .success(try Fixture.text("juicefs/status-unmounted.json")))
            scenario.runner.on(["juicefs", "quota", "list", scenario.url], .success(try Fixture.text("juicefs/quota-list.txt")))
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata), spec: scenario.spec)

            #expect(result.outcome == .skipped("the metadata database holds volume fixvol already"))
            #expect(scenario.runner.count(of: "litestream") == 0)
            #expect(!scenario.host.calls.contains { $0.hasPrefix("moveLocalItem") })
        }
    }

    @Test func refusesWhenTheReplicaHoldsNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            scenario.host.setLocalFile(database + "-wal")
            scenario.host.setLocalFile("\(base)/replica/ltx/0/notes.txt")
            FakeLitestream(scenario: scenario).installCommands()

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata), spec: scenario.spec)

            #expect(result.outcome == .failed("the replica \(base)/replica holds nothing to restore"))
            #expect(scenario.runner.commands.isEmpty)
            #expect(!scenario.host.calls.contains { $0.hasPrefix("moveLocalItem") || $0.hasPrefix("writeLocalFile") }, "nothing changed")
        }
    }

    @Test(arguments: [
        (CommandResult.failure(stderr: "time=x level=INFO msg=restoring\nerror: cannot find snapshot\n"), "error: cannot find snapshot"),
        (CommandResult.success(), "no output"),
    ])
    func aRestoreThatLeavesNoDatabaseFailsWithLitestreamsLastLine(reply: CommandResult, reason: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try replicaHoldsData(scenario)
            scenario.runner.on(prefix: ["litestream", "restore"], reply)

            let result = await scenario.executor.execute(scenario.action(.restoreMetadata), spec: scenario.spec)

            #expect(result.outcome == .failed("litestream restore failed: \(reason)"))
        }
    }
}

@Suite("Executor: stop backup after a forced down")
struct ExecutorStopBackupDetachedTests {
    static let client: Int32 = 5555

    static func detach(_ scenario: VolumeScenario, alive: Bool) throws {
        try scenario.stateStore.update { $0.detachedClient = .init(pid: Self.client, mountID: 77, detached: Date()) }
        scenario.host.setProcess(Self.client, commandLine: ["/opt/fake/bin/juicefs", "mount"], alive: alive)
        scenario.host.update { $0.openFilesOnMount[77] = 3 }
    }

    @Test func litestreamKeepsReplicatingWhileTheDetachedClientStillServesOpenFiles() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            try Self.detach(scenario, alive: true)
            var executor = scenario.executor
            executor.detachedClientWait = .milliseconds(150)

            let result = await executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            guard case .failed(let message) = result.outcome else {
                Issue.record("\(result.outcome)")
                return
            }
            #expect(
                message.contains("detached; juicefs pid 5555 still serves 3 open files; Litestream keeps replicating until it exits"),
                "\(message)")
            #expect(scenario.host.snapshot.signals.isEmpty, "Litestream was signalled while the client writes")
            #expect(scenario.host.isAlive(VolumeScenario.litestreamPID))
            #expect(!scenario.host.fileExists(scenario.spec.litestreamCleanStopFile))
            #expect(scenario.stateStore.load().detachedClient != nil, "the next down must still wait for it")
        }
    }

    @Test func onceTheDetachedClientHasExitedLitestreamStopsCleanlyAndTheRecordGoes() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            try Self.detach(scenario, alive: false)

            let result = await scenario.executor.execute(scenario.action(.stopBackup), spec: scenario.spec)

            guard case .done(let message) = result.outcome else {
                Issue.record("\(result.outcome)")
                return
            }
            #expect(message.hasPrefix("stopped Litestream"), "\(message)")
            #expect(scenario.host.fileExists(scenario.spec.litestreamCleanStopFile))
            #expect(scenario.stateStore.load().detachedClient == nil)
        }
    }
}
