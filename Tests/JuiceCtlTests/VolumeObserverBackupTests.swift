import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("VolumeObserver: backup")
struct VolumeObserverBackupTests {
    // MARK: The process

    @Test func aRecordedLitestreamWhoseCommandLineNamesTheConfigRunsWithTheRecordedDigest() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream(digest: "feedface")

            let backup = try #require(scenario.observer.observeBackup(scenario.spec))

            #expect(backup.process == .running(pid: VolumeScenario.litestreamPID, configDigest: "feedface"))
            #expect(backup.configCurrent)
            #expect(
                (0..<60).contains(backup.runningSeconds ?? -1), "from the record's start time: \(String(describing: backup.runningSeconds))"
            )
            #expect(backup.replicaExists)
            #expect(backup.replicaTXID == 7 && backup.localTXID == 7 && backup.lag == 0)
        }
    }

    @Test func aReusedPidWithAnotherCommandLineCountsAsStopped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setProcess(VolumeScenario.litestreamPID, commandLine: ["/usr/bin/sleep", "1000"])

            let backup = try #require(scenario.observer.observeBackup(scenario.spec))

            #expect(backup.process == .stopped)
            #expect(backup.runningSeconds == nil)
            #expect(backup.replicaExists, "the replica is still read")
        }
    }

    @Test func aLitestreamOfAnotherConfigurationOnTheRecordedPidCountsAsStopped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setProcess(
                VolumeScenario.litestreamPID, commandLine: ["/usr/bin/litestream", "replicate", "-config", "/etc/litestream.yml"])

            #expect(scenario.observer.observeBackup(scenario.spec)?.process == .stopped)
        }
    }

    @Test func aRecordedPidThatIsGoneCountsAsStopped() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setAlive(VolumeScenario.litestreamPID, false)

            #expect(scenario.observer.observeBackup(scenario.spec)?.process == .stopped)
        }
    }

    @Test func withoutAPidRecordEvenAMatchingProcessIsNotObservedAsJuicectls() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installReplicatingLitestream()
            scenario.host.setFile(scenario.spec.litestreamPidFile, nil)

            #expect(scenario.observer.observeBackup(scenario.spec)?.process == .stopped, "start-backup adopts it (see the executor)")
        }
    }

    @Test func anAdoptedLitestreamThatNamesTheDatabaseIsObservedRunningSoThePlannerRestartsIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            try scenario.installReplicatingLitestream()
            let database = try #require(scenario.spec.metadata.sqlitePath)
            scenario.host.setAlive(VolumeScenario.litestreamPID, false)
            scenario.host.setProcess(4545, commandLine: ["/usr/local/bin/litestream", "replicate", database, "file:///srv/elsewhere"])
            try scenario.recordLitestream(pid: 4545, digest: "adopted")
            let commandLine = [VolumeScenario.tools.juicefs] + MountCommand.arguments(for: scenario.spec)
            scenario.host.setProcess(VolumeScenario.pid, commandLine: commandLine)

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.backup?.process == .running(pid: 4545, configDigest: "adopted"))
            #expect(
                Planner.plan(scenario.spec, observation).actions.map(\.kind) == [.restartBackup],
                "replaced by one with juicectl's configuration, not left as it is")
        }
    }

    // MARK: Positions

    @Test func positionsAreTheNewestLTXFileOverAllLevelsReadAsHexadecimal() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let replica = try #require(scenario.spec.backup?.replicaPath)
            let sidecar = LitestreamFiles.sidecar(of: try #require(scenario.spec.metadata.sqlitePath))
            #expect(sidecar == "\(base)/.metadata.db-litestream")
            let newestReplicaFile = "\(replica)/ltx/1/\(VolumeScenario.ltxName(1, 0xff))"
            for file in [
                "\(replica)/ltx/0/\(VolumeScenario.ltxName(1, 9))", "\(replica)/ltx/0/\(VolumeScenario.ltxName(0xa, 0x10))",
                newestReplicaFile, "\(replica)/ltx/9/\(VolumeScenario.ltxName(1, 0x20))",
                "\(replica)/ltx/0/notes.txt", "\(replica)/ltx/0/garbage-zz.ltx",
                "\(sidecar)/ltx/0/\(VolumeScenario.ltxName(0x100, 0x100))", "\(sidecar)/ltx/1/\(VolumeScenario.ltxName(1, 0xff))",
            ] {
                scenario.host.setLocalFile(file)
            }
            scenario.host.update { $0.modificationDates[newestReplicaFile] = Date().addingTimeInterval(-30) }

            let backup = try #require(scenario.observer.observeBackup(scenario.spec))

            #expect(backup.replicaTXID == 255, "ff is 255, not 10 or 20 read as decimal")
            #expect(backup.localTXID == 256)
            #expect(backup.lag == 1)
            #expect(
                (29..<60).contains(backup.replicaAgeSeconds ?? -1),
                "from the newest file's modification time: \(String(describing: backup.replicaAgeSeconds))")
        }
    }

    @Test(arguments: [
        ([String](), false),
        (["replica"], false),
        (["replica/ltx/0/notes.txt"], false),
        (["replica/ltx/0/" + VolumeScenario.ltxName(1, 1)], true),
        (["replica/ltx/3/" + VolumeScenario.ltxName(1, 1)], true),
    ])
    func theReplicaExistsOnlyWithAnLTXFile(files: [String], exists: Bool) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            for file in files { scenario.host.setLocalFile("\(base)/\(file)") }

            let backup = try #require(scenario.observer.observeBackup(scenario.spec))

            #expect(backup.replicaExists == exists)
            #expect((backup.replicaTXID != nil) == exists)
            #expect(backup.process == .stopped)
        }
    }

    @Test(arguments: [nil, "# an older configuration\n", "current"])
    func theConfigurationIsCurrentOnlyWhenTheFileHoldsTheSpecsText(onDisk: String?) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let text = try #require(LitestreamConfig.text(for: scenario.spec))
            if let onDisk { scenario.host.setFile(scenario.spec.litestreamConfigFile, text: onDisk == "current" ? text : onDisk) }

            #expect(scenario.observer.observeBackup(scenario.spec)?.configCurrent == (onDisk == "current"))
        }
    }

    // MARK: Without a backup

    @Test func aSpecWithoutBackupIsObservedOnlyWhileItsLitestreamStillRuns() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base, "backup:\n  enabled: false\n")
            #expect(scenario.observer.observeBackup(scenario.spec) == nil)

            scenario.host.setFile(scenario.spec.litestreamConfigFile, text: "# left from when backup was on\n")
            scenario.host.setProcess(VolumeScenario.litestreamPID, commandLine: scenario.litestreamCommandLine)
            try scenario.recordLitestream(pid: VolumeScenario.litestreamPID, digest: "old")

            let backup = try #require(scenario.observer.observeBackup(scenario.spec))
            #expect(backup.process == .running(pid: VolumeScenario.litestreamPID, configDigest: "old"))
            #expect(!backup.configCurrent, "no configuration is wanted")
            #expect(!backup.replicaExists)
        }
    }

    @Test func theFullObservationCarriesTheBackupAndAStoppedLitestreamPlansItsStart() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            try scenario.installReplicatingLitestream()
            scenario.host.setAlive(VolumeScenario.litestreamPID, false)
            let commandLine = [VolumeScenario.tools.juicefs] + MountCommand.arguments(for: scenario.spec)
            scenario.host.setProcess(VolumeScenario.pid, commandLine: commandLine)

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.backup?.process == .stopped)
            #expect(observation.probes.contains { $0.source == "litestream" })
            #expect(scenario.runner.commands.isEmpty, "Litestream is observed from files and /proc, without running it")
            #expect(Planner.plan(scenario.spec, observation).actions.map(\.kind) == [.startBackup])
        }
    }
}
