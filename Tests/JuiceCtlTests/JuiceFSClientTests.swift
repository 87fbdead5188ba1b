import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("JuiceFSClient")
struct JuiceFSClientTests {
    static let metadata = VolumeSpec.Metadata.sqlite(path: "/srv/v/metadata.db")

    static func client(_ runner: FakeCommandRunner) -> JuiceFSClient {
        JuiceFSClient(runner: runner, executable: "/opt/bin/juicefs")
    }

    @Test func statusReadsAnUnformattedEngineFromTheRealError() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "status", Self.metadata.url], .failure(stderr: try Fixture.text("juicefs/status-unformatted.stderr")))
        guard case .notFormatted = try await Self.client(runner).status(Self.metadata) else {
            Issue.record("expected notFormatted")
            return
        }
    }

    @Test func aFormatOntoStorageThatHoldsObjectsFailsAsStorageNotEmpty() async throws {
        try await withTemporaryDirectory { base in
            let runner = FakeCommandRunner()
            runner.on(prefix: ["juicefs", "format"], .failure(stderr: try Fixture.text("juicefs/format-not-empty.stderr")))
            let spec = try VolumeScenario(baseDir: base).spec
            let error = await #expect(throws: JuiceFSError.self) { try await Self.client(runner).format(spec) }
            #expect(error?.failure == .storageNotEmpty)
        }
    }

    @Test func anUnrecognisedFailureIsOther() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "get"], .failure(stderr: try Fixture.text("juicefs/quota-get-missing.stderr")))
        let error = await #expect(throws: JuiceFSError.self) { try await Self.client(runner).quotaGet(Self.metadata, path: "/nope") }
        #expect(error?.failure == .other)
    }

    @Test func statusRunsWithATimeoutFromTheRoot() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "status", Self.metadata.url], .success(try Fixture.text("juicefs/status-mounted.json")))
        _ = try await Self.client(runner).status(Self.metadata)
        let command = try #require(runner.commands.first)
        #expect(command.executable == "/opt/bin/juicefs")
        #expect(command.workingDirectory == "/")
        #expect(command.timeout == .seconds(30))
    }

    @Test func anExitOtherThanOneIsNamedInTheError() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "list"], .failure(exit: 2, stderr: "<FATAL>: boom [a@b.go:1]"))
        let error = await #expect(throws: JuiceFSError.self) { try await Self.client(runner).quotaList(Self.metadata) }
        #expect(error?.description == "juicefs quota list failed: exit 2: boom")
    }

    @Test func aTimeoutIsNamedInTheError() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "get"], .timedOut)
        let error = await #expect(throws: JuiceFSError.self) { try await Self.client(runner).quotaGet(Self.metadata, path: "/x") }
        #expect(error?.description == "juicefs quota get /x failed: timed out: no error output")
    }

    @Test func aProgramThatCannotStartThrowsCommandError() async throws {
        let runner = FakeCommandRunner()
        runner.on(.prefix(["juicefs"]), reply: .cannotStart("Executable is not found"))
        await #expect(throws: CommandError.self) { try await Self.client(runner).status(Self.metadata) }
    }

    @Test func quotaGetOfADirectoryWithoutQuotaReadsAsNone() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-no-quota.txt")))
        #expect(try await Self.client(runner).quotaGet(Self.metadata, path: "/noquota") == .none(source: "juicefs quota get"))
    }

    @Test func quotaGetOnlyReadsTheRowOfItsPath() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-x.txt")))
        #expect(try await Self.client(runner).quotaGet(Self.metadata, path: "/y").isNone)
        #expect(try await Self.client(runner).quotaGet(Self.metadata, path: "/x").inodes == 1000)
    }

    @Test func umountReturnsTheResultWithoutJudgingIt() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "umount", "/mnt"], .failure(stderr: try Fixture.text("juicefs/umount-not-mounted.stderr")))
        let result = try await Self.client(runner).umount("/mnt", force: false)
        #expect(result.termination == .exited(1))
        #expect(JuiceFSOutput.errorMessage(result.stderr).hasSuffix("Invalid argument"))
    }
}
