import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("VolumeObserver")
struct VolumeObserverTests {
    @Test func observesAConvergedMountedVolumeWithoutRunningJuiceFS() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.commands.isEmpty)
            #expect(observation.juicefsCalls == 0)
            let live = try #require(observation.mount.live)
            #expect(live.pid == VolumeScenario.pid)
            #expect(live.supervisorPID == VolumeScenario.supervisorPID)
            #expect(live.supervisorAlive)
            #expect(live.stackedEntries == 1)
            #expect(live.arguments?.first == "--no-agent")
            #expect(live.format.name == "fixvol")
            #expect(observation.metadata == .formatted(live.format))
            #expect(observation.storage == .holdsVolume(uuid: VolumeScenario.uuid))
            #expect(observation.directories == ["/active": .directory, "/active/fs": .directory, "/checkpoints": .directory])
            #expect(observation.quotas?["/active/fs"]?.source == "statfs")
            #expect(observation.quotas?["/active/fs"]?.matches(.original) == true)
        }
    }

    @Test func aConvergedVolumePlansNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(
                baseDir: base,
                """
                mount:
                  cacheSize: 1GiB
                  options:
                    heartbeat: 2s
                """)
            try scenario.installConvergedVolume()
            try scenario.installReplicatingLitestream()
            // The command line this spec mounts with (the fixture's was mounted from another baseDir).
            let commandLine = [VolumeScenario.tools.juicefs] + MountCommand.arguments(for: scenario.spec)
            scenario.host.setProcess(VolumeScenario.pid, commandLine: commandLine)
            let observation = await scenario.observer.observe(scenario.spec)
            let plan = Planner.plan(scenario.spec, observation)
            #expect(plan.actions.isEmpty, "\(plan.actions)")
            #expect(plan.conflicts.isEmpty, "\(plan.conflicts)")
        }
    }

    @Test func aMissingSQLiteFileIsReportedWithoutAskingJuiceFS() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.commands.isEmpty, "juicefs would create the SQLite file")
            #expect(observation.metadata == .missing)
            #expect(observation.mount == .absent)
            #expect(observation.storage == .empty)
            #expect(observation.quotas == nil)
            #expect(scenario.host.calls.contains("fileExists \(scenario.spec.metadata.sqlitePath ?? "")"))
        }
    }

    @Test func anUnmountedFormattedVolumeIsReadWithStatusAndQuotaList() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            scenario.runner.on(
                ["juicefs", "status", scenario.url],
                .success(try Fixture.text("juicefs/status-unmounted.json")))
            scenario.runner.on(
                ["juicefs", "quota", "list", scenario.url],
                .success(try Fixture.text("juicefs/quota-list.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.argvs == [["juicefs", "status", scenario.url], ["juicefs", "quota", "list", scenario.url]])
            #expect(observation.juicefsCalls == 2)
            guard case .formatted(let info) = observation.metadata else {
                Issue.record("expected a formatted volume, got \(observation.metadata)")
                return
            }
            #expect(info.uuid == VolumeScenario.uuid)
            #expect(observation.mount == .absent)
            #expect(observation.directories.isEmpty)
            #expect(observation.quotas?.count == 7)
            #expect(observation.quotas?["/active/fs"]?.source == "juicefs quota list")
        }
    }

    @Test func anUnformattedEngineIsReadFromTheStatusError() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            scenario.runner.on(
                ["juicefs", "status", scenario.url],
                .failure(stderr: try Fixture.text("juicefs/status-unformatted.stderr")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.metadata == .unformatted)
            #expect(scenario.runner.count(of: "juicefs") == 1, "no quota list for an unformatted engine")
            #expect(observation.quotas == nil)
        }
    }

    @Test func aFailingStatusMakesTheEngineUnreadable() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            scenario.runner.on(
                ["juicefs", "status", scenario.url],
                .failure(stderr: "2026/11/25 22:17:39.000000 juicefs[1] <FATAL>: get status: database is locked [status@status.go:84]\n"))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.metadata == .unreadable("juicefs status failed: get status: database is locked"))
            #expect(observation.probes.contains { $0.source == "juicefs status" && !$0.ok })
        }
    }

    @Test(arguments: [
        (
            PathStatus.failed(errno: ENOTCONN, message: "Transport endpoint is not connected"),
            "Transport endpoint is not connected (errno 107)"
        ),
        (PathStatus.timedOut, "no answer within 2000 ms"),
        (PathStatus.found(inode: 4242, isDirectory: true), "the mount root has inode 4242, not 1"),
    ])
    func aMountThatDoesNotAnswerIsStale(status: PathStatus, reason: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath, status)
            scenario.runner.on(["juicefs", "status", scenario.url], .success(try Fixture.text("juicefs/status-mounted.json")))
            scenario.runner.on(["juicefs", "quota", "list", scenario.url], .success(try Fixture.text("juicefs/quota-list.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.mount == .stale(reason: reason, entries: 1))
            #expect(!scenario.host.calls.contains("readFile \(scenario.mountPath)/.config"), "nothing else touches a dead mount")
            #expect(!scenario.host.calls.contains { $0.hasPrefix("statfs") })
        }
    }

    @Test func aMountThatTimesOutWhileItsClientRunsIsUnresponsiveNotStale() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath, .timedOut)
            scenario.host.setProcess(
                5150, commandLine: ["juicefs", "--no-agent", "mount", "--background", "--log=\(scenario.spec.mountLogFile)"])

            let state = await scenario.observer.mountState(scenario.spec)

            #expect(state == .unresponsive(reason: "no answer within 2000 ms", pid: 5150))
            #expect(!scenario.host.calls.contains("readFile \(scenario.mountPath)/.config"), "nothing else touches a hung mount")
        }
    }

    @Test func anUnreadableConfigMakesTheMountStale() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setFile("\(scenario.mountPath)/.config", nil)

            let state = await scenario.observer.mountState(scenario.spec)

            #expect(state == .stale(reason: "the mount's .config cannot be read: No such file or directory (errno 2)", entries: 1))
        }
    }

    @Test func anotherFilesystemAtTheMountPointIsForeign() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(id: 60, mountPoint: scenario.mountPath, fstype: "tmpfs", source: "scratch"))

            let state = await scenario.observer.mountState(scenario.spec)

            #expect(state == .foreign(fstype: "tmpfs", source: "scratch"))
            #expect(!scenario.host.calls.contains { $0.hasPrefix("stat ") }, "a foreign mount is not probed")
        }
    }

    @Test func anotherFilesystemStackedOnTopOfTheVolumeIsForeign() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(id: 61, parentID: 44, mountPoint: scenario.mountPath, fstype: "tmpfs", source: "jcfixstack"))

            #expect(await scenario.observer.mountState(scenario.spec) == .foreign(fstype: "tmpfs", source: "jcfixstack"))
        }
    }

    @Test func anotherJuiceFSVolumeIsForeign() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(id: 62, mountPoint: scenario.mountPath, fstype: "fuse.juicefs", source: "JuiceFS:othervol"))
            #expect(await scenario.observer.mountState(scenario.spec) == .foreign(fstype: "fuse.juicefs", source: "JuiceFS:othervol"))
        }
    }

    @Test func aConfigNamingAnotherVolumeIsForeign() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setFile("\(scenario.mountPath)/.config", text: try scenario.mountConfig(name: "othervol"))
            #expect(await scenario.observer.mountState(scenario.spec) == .foreign(fstype: "fuse.juicefs", source: "JuiceFS:othervol"))
        }
    }

    @Test func countsStackedMountsOfTheVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(
                    id: 50, parentID: 44, mountPoint: scenario.mountPath,
                    fstype: "fuse.juicefs", source: "JuiceFS:fixvol"))
            let state = await scenario.observer.mountState(scenario.spec)
            #expect(state.live?.stackedEntries == 2)
        }
    }

    @Test func aDeadSupervisorIsReported() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setAlive(VolumeScenario.supervisorPID, false)
            let live = try #require(await scenario.observer.mountState(scenario.spec).live)
            #expect(!live.supervisorAlive)
            #expect(live.arguments != nil, "the child's command line is still read")
        }
    }

    @Test func anUnreadableMountTableLooksLikeNoMount() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.update { $0.mountInfoFailure = "permission denied" }
            #expect(await scenario.observer.mountState(scenario.spec) == .absent)
        }
    }

    @Test func statfsThatDisagreesWithTheSpecIsCheckedWithQuotaGet() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            // The quota directory shows the volume's figures: no limit that statfs can see.
            let figures = try StatfsFixture.load("host/statfs.txt")
            scenario.setStatfs("/active/fs", try #require(figures["/noquota"]))
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"],
                .success(try Fixture.text("juicefs/quota-get-active-fs.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.argvs == [["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"]])
            let reading = try #require(observation.quotas?["/active/fs"])
            // The table agrees at its rounding, statfs does not, and juicectl did not set it just now: statfs wins
            // for the declared capacity.
            #expect(reading.source == "statfs, juicefs quota get")
            #expect(reading.capacity == figures["/noquota"]?.totalBytes)
            #expect(!reading.matches(.original))
        }
    }

    @Test func aQuotaJuicectlJustSetIsAnsweredFromItsRecordUntilTheMountLoadsIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            // statfs still shows no limit: the mount loads the quota only at its next heartbeat.
            scenario.setStatfs("/active/fs", try #require(try StatfsFixture.load("host/statfs.txt")["/noquota"]))
            try scenario.stateStore.update { state in
                state.quotas["/active/fs"] = .init(capacity: ByteSize.tebibytes(10).bytes, inodes: nil, setAt: Date())
            }

            let observation = await scenario.observer.observe(scenario.spec)

            let reading = try #require(observation.quotas?["/active/fs"])
            #expect(reading.source.hasPrefix("juicectl state: set and verified "))
            #expect(reading.matches(.original))
            #expect(scenario.runner.commands.isEmpty)
            #expect(observation.managedQuotaPaths == ["/active/fs"])
        }
    }

    @Test func aRecentRecordThatDiffersFromTheSpecIsCheckedWithQuotaGet() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            try scenario.stateStore.update { state in
                state.quotas["/active/fs"] = .init(capacity: ByteSize.tebibytes(5).bytes, inodes: nil, setAt: Date())
            }
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"],
                .success(try Fixture.text("juicefs/quota-get-active-fs.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.count(of: "juicefs") == 1)
            #expect(observation.quotas?["/active/fs"]?.source == "juicefs quota get")
        }
    }

    @Test func anOldRecordDoesNotHideWhatStatfsShows() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            scenario.setStatfs("/active/fs", try #require(try StatfsFixture.load("host/statfs.txt")["/noquota"]))
            try scenario.stateStore.update { state in
                state.quotas["/active/fs"] = .init(capacity: ByteSize.tebibytes(10).bytes, inodes: nil, setAt: .distantPast)
            }
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"],
                .success(try Fixture.text("juicefs/quota-get-active-fs.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.quotas?["/active/fs"]?.source == "statfs, juicefs quota get")
            #expect(observation.quotas?["/active/fs"]?.matches(.original) == false)
        }
    }

    @Test func aQuotaThatDiffersInTheTableIsReadFromTheTable() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(
                baseDir: base,
                """
                quotas:
                  - path: /x
                    capacity: 2GiB
                    inodes: 1000
                """)
            try scenario.installConvergedVolume()
            scenario.host.setDirectory(scenario.mountPath + "/x", inode: 9)
            let figures = try StatfsFixture.load("host/statfs.txt")
            scenario.setStatfs("/x", try #require(figures["/x"]))
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/x"],
                .success(try Fixture.text("juicefs/quota-get-x.txt")))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(scenario.runner.count(of: "juicefs") == 1)
            #expect(observation.quotas?["/x"]?.source == "juicefs quota get")
            #expect(observation.quotas?["/x"]?.capacity == 3 << 29)
        }
    }

    @Test func aFailingQuotaGetLeavesTheQuotasUnknown() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            scenario.setStatfs("/active/fs", try #require(try StatfsFixture.load("host/statfs.txt")["/noquota"]))
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .failure(stderr: "<FATAL>: database is locked"))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.quotas == nil)
        }
    }

    @Test func aMissingQuotaDirectoryReadsAsNoQuotaWithoutAsking() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            scenario.host.setStat(scenario.mountPath + "/active/fs", .failed(errno: ENOENT, message: "No such file or directory"))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.directories["/active/fs"] == .missing)
            #expect(observation.quotas?["/active/fs"] == QuotaReading.none(source: "stat"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aManagedQuotaNoLongerDeclaredIsStillRead() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            try scenario.stateStore.update { $0.quotas["/old"] = .init(capacity: 1 << 30, inodes: nil, setAt: .distantPast) }
            scenario.host.setDirectory(scenario.mountPath + "/old", inode: 77)
            // statfs of /old shows the volume's figures: no limit, which is what "not declared" wants.
            scenario.setStatfs("/old", try #require(try StatfsFixture.load("host/statfs.txt")["/noquota"]))

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.quotas?["/old"]?.isNone == true)
            #expect(observation.managedQuotaPaths == ["/old"])
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func aFormerMountPointOfTheVolumeIsReported() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            let former = "\(base)/old mount"
            scenario.host.appendMountInfo(
                FakeHost.mountInfoLine(id: 70, mountPoint: former, fstype: "fuse.juicefs", source: "JuiceFS:fixvol"))
            try scenario.stateStore.update { $0.mountPaths = [former, scenario.mountPath, "\(base)/gone"] }

            let observation = await scenario.observer.observe(scenario.spec)

            #expect(observation.formerMountPaths == [former])
        }
    }
}

@Suite("VolumeObserver: a live client whose answers time out")
struct VolumeObserverUnresponsiveTests {
    @Test(
        """
        the root answered from the attribute cache, .config times out, the client runs: unresponsive, and no recover-stale-mount is \
        planned
        """
    )
    func configTimesOutWhileTheClientRuns() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            scenario.host.update { $0.unansweredReads.insert("\(scenario.mountPath)/.config") }
            scenario.host.setProcess(
                5150, commandLine: ["juicefs", "--no-agent", "mount", "--background", "--log=\(scenario.spec.mountLogFile)"])
            scenario.runner.on(["juicefs", "status", scenario.url], .success(try Fixture.text("juicefs/status-mounted.json")))
            scenario.runner.on(["juicefs", "quota", "list", scenario.url], .success(try Fixture.text("juicefs/quota-list.txt")))

            #expect(
                await scenario.observer.mountState(scenario.spec)
                    == .unresponsive(reason: "reading .config: no answer within 2000 ms", pid: 5150))
            let observation = await scenario.observer.observe(scenario.spec)
            let plan = Planner.plan(scenario.spec, observation)
            #expect(!plan.actions.contains { $0.kind == .recoverStaleMount }, "\(plan.actions)")
            #expect(plan.conflicts.contains { $0.code == .mountUnresponsive && $0.blocking }, "\(plan.conflicts)")
            let outcome = await scenario.executor.execute(
                Action(.recoverStaleMount, .replace, target: scenario.mountPath, reason: "test"),
                spec: scenario.spec
            ).outcome
            #expect(outcome.failureText?.contains("not detaching a live client's mount") == true, "the executor agrees: \(outcome)")
            #expect(!scenario.runner.commands.contains { $0.executable.hasSuffix("umount") }, "nothing was detached")
        }
    }

    @Test("the same timeout with no juicefs client of the volume running is a stale mount")
    func configTimesOutWithoutAClient() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.update { $0.unansweredReads.insert("\(scenario.mountPath)/.config") }
            #expect(
                await scenario.observer.mountState(scenario.spec) == .stale(reason: "reading .config: no answer within 2000 ms", entries: 1)
            )
        }
    }

    @Test("an I/O error from a live client is unresponsive; a connection the kernel reports gone is stale whatever runs")
    func errorsWeighedAgainstTheClient() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setProcess(5150, commandLine: ["juicefs", "mount", "--log=\(scenario.spec.mountLogFile)"])
            scenario.host.update { $0.failingReads["\(scenario.mountPath)/.config"] = EIO }
            #expect(
                await scenario.observer.mountState(scenario.spec)
                    == .unresponsive(reason: "the mount's .config cannot be read: Input/output error (errno 5)", pid: 5150))
            scenario.host.setStat(scenario.mountPath, .failed(errno: ENOTCONN, message: "Transport endpoint is not connected"))
            #expect(
                await scenario.observer.mountState(scenario.spec)
                    == .stale(reason: "Transport endpoint is not connected (errno 107)", entries: 1))
        }
    }
}
