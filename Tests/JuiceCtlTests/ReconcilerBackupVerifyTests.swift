import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// `backup verify` on `fixvol` with a fake litestream and juicefs: the restore writes its `-o` file (unless told
/// otherwise), `juicefs status` of the live database answers the fixture, and of the restored copy `copyStatus`.
private struct VerifyScenario {
    let volume: VolumeScenario
    let copy = Captured<String>()

    init(
        baseDir: String, _ extra: String = "", restore: CommandResult = .success(), writesCopy: Bool = true,
        copyStatus: CommandResult? = nil, liveExists: Bool = true
    ) throws {
        volume = try VolumeScenario(baseDir: baseDir, extra)
        let (host, copy, url) = (volume.host, copy, volume.url)
        let live = CommandResult.success(try Fixture.text("juicefs/status-unmounted.json"))
        let copyStatus = copyStatus ?? live
        if liveExists { try volume.metadataFileExists() }
        volume.runner.on(prefix: ["litestream", "restore"]) { command in
            FakeLitestream.log(command, on: host)
            if let index = command.arguments.firstIndex(of: "-o"), index + 1 < command.arguments.count {
                copy.set(command.arguments[index + 1])
                if writesCopy && restore.succeeded { host.setLocalFile(command.arguments[index + 1]) }
            }
            return restore
        }
        volume.runner.on(prefix: ["juicefs", "status"]) { command in
            FakeLitestream.log(command, on: host)
            return command.arguments.last == url ? live : copyStatus
        }
        volume.runner.on(prefix: ["juicefs", "quota", "list"], .success(try Fixture.text("juicefs/quota-list.txt")))
    }

    func verify() async throws -> Reconciler.BackupVerification {
        try await volume.reconciler.verifyBackup(volume.spec)
    }

    /// The fixture's `juicefs status` with another name or UUID.
    static func status(name: String = "fixvol", uuid: String = VolumeScenario.uuid) throws -> CommandResult {
        .success(
            try Fixture.text("juicefs/status-unmounted.json")
                .replacingOccurrences(of: "\"Name\": \"fixvol\"", with: "\"Name\": \"\(name)\"")
                .replacingOccurrences(of: VolumeScenario.uuid, with: uuid))
    }
}

@Suite("Reconciler: backup verify")
struct ReconcilerBackupVerifyTests {
    @Test func aGoodReplicaIsRestoredIntoATemporaryFileCheckedInFullAndMatchesTheLiveUUID() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(baseDir: base)
            let spec = scenario.volume.spec
            let database = try #require(spec.metadata.sqlitePath)

            let result = try await scenario.verify()

            #expect(result.ok)
            #expect(result.replicaUUID == VolumeScenario.uuid && result.liveUUID == VolumeScenario.uuid)
            #expect(
                result.message.contains("passes the integrity check and holds this volume (UUID \(VolumeScenario.uuid))"),
                "\(result.message)")
            let copy = try #require(scenario.copy.value)
            #expect(copy.hasSuffix("/metadata.db") && copy.contains("juicectl-verify-"))
            #expect(!copy.hasPrefix(base), "the copy lives in a temporary directory, not beside the live database")
            #expect(
                scenario.volume.runner.argvs.first == [
                    "litestream", "restore", "-integrity-check", "full", "-o", copy, "file://\(base)/replica",
                ],
                "the replica is read by its URL: the live volume's configuration and database are not involved")
            #expect(scenario.volume.runner.argvs.contains(["juicefs", "status", VolumeSpec.Metadata.sqlite(path: copy).url]))
            let directory = String(copy.dropLast("/metadata.db".count))
            #expect(scenario.volume.host.createdLocalDirectories.contains(directory))
            #expect(scenario.volume.host.calls.contains("removeLocalItem \(directory)"), "the temporary copy is removed")
            #expect(
                !scenario.volume.host.calls.contains {
                    ($0.hasPrefix("moveLocalItem") || $0.hasPrefix("writeLocalFile") || $0.hasPrefix("removeLocalItem"))
                        && $0.contains(database)
                }, "the live database is never touched")
        }
    }

    @Test func aReplicaThatFailsToRestoreOrTheIntegrityCheckIsReportedWithLitestreamsError() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(
                baseDir: base,
                restore: .failure(
                    stderr: "time=x level=INFO msg=restoring\nrestore: integrity check failed: database disk image is malformed\n"))

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(
                result.message
                    == "the replica \(base)/replica cannot be restored: restore: integrity check failed: database disk image is malformed")
            #expect(result.replicaUUID == nil)
            #expect(scenario.volume.runner.count(of: "juicefs") == 0, "nothing to read")
            let directory = try #require(scenario.copy.value.map { String($0.dropLast("/metadata.db".count)) })
            #expect(scenario.volume.host.calls.contains("removeLocalItem \(directory)"))
        }
    }

    @Test func anEmptyReplicaRestoresNothingAndSaysSo() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(baseDir: base, writesCopy: false)

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(result.message == "the replica \(base)/replica cannot be restored: the replica holds nothing")
        }
    }

    @Test func aReplicaOfAnotherVolumeNameFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(
                baseDir: base, copyStatus: try VerifyScenario.status(name: "othervol", uuid: "11111111-2222-3333-4444-555555555555"))

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(result.message == "the replica holds volume 'othervol', not 'fixvol'")
            #expect(result.replicaUUID == "11111111-2222-3333-4444-555555555555")
        }
    }

    @Test func aReplicaWithAnotherUUIDThanTheLiveVolumeFails() async throws {
        try await withTemporaryDirectory { base in
            let other = "11111111-2222-3333-4444-555555555555"
            let scenario = try VerifyScenario(baseDir: base, copyStatus: try VerifyScenario.status(uuid: other))

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(result.message == "the replica holds volume UUID \(other), the live volume has \(VolumeScenario.uuid)")
            #expect(result.replicaUUID == other && result.liveUUID == VolumeScenario.uuid)
        }
    }

    @Test func aRestoredCopyThatHoldsNoVolumeFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(
                baseDir: base, copyStatus: .failure(stderr: try Fixture.text("juicefs/status-unformatted.stderr")))

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(result.message == "the restored copy passed the integrity check but holds no JuiceFS volume")
        }
    }

    @Test func withoutALiveDatabaseTheReplicaIsJudgedOnItsOwnAndSaysSo() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(baseDir: base, liveExists: false)

            let result = try await scenario.verify()

            #expect(result.ok)
            #expect(result.liveUUID == nil && result.replicaUUID == VolumeScenario.uuid)
            #expect(result.message.hasSuffix("the live volume could not be read to compare"))
            #expect(
                !scenario.volume.runner.argvs.contains(["juicefs", "status", scenario.volume.url]), "juicefs would create the live database"
            )
        }
    }

    @Test func aVolumeWithoutBackupHasNothingToVerify() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(baseDir: base, "backup:\n  enabled: false\n")

            let result = try await scenario.verify()

            #expect(!result.ok)
            #expect(result.message == "volume fixvol has no backup")
            #expect(scenario.volume.runner.commands.isEmpty)
        }
    }

    @Test func withoutALitestreamBinaryVerifyThrowsNamingMakeSetup() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VerifyScenario(baseDir: base)
            let volume = scenario.volume
            let reconciler = Reconciler(
                host: volume.host, runner: volume.runner,
                tools: Tools(juicefs: VolumeScenario.tools.juicefs, umount: VolumeScenario.tools.umount), logger: .quiet)

            let error = await #expect(throws: ToolNotFoundError.self) { try await reconciler.verifyBackup(volume.spec) }

            #expect(error?.description.contains("Run `make setup`") == true)
            #expect(volume.runner.commands.isEmpty)
        }
    }
}
