import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: quotas")
struct ExecutorQuotaTests {
    @Test func setsACapacityOnlyQuotaWithExactGiBAndNoInodeLimit() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let table = try Fixture.text("juicefs/quota-get-active-fs.txt")
            scenario.runner.on(prefix: ["juicefs", "quota", "set"], .success(table))
            scenario.runner.on(["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"], .success(table))
            let started = Date()

            let result = await scenario.executor.execute(scenario.action(.setQuota(.original)), spec: scenario.spec)

            guard case .done = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(
                scenario.runner.argvs == [
                    ["juicefs", "quota", "set", scenario.url, "--path", "/active/fs", "--capacity", "10240", "--inodes", "0"],
                    ["juicefs", "quota", "get", scenario.url, "--path", "/active/fs"],
                ])
            let record = try #require(scenario.stateStore.load().quotas["/active/fs"])
            #expect(record.capacity == ByteSize.tebibytes(10).bytes)
            #expect(record.inodes == nil)
            #expect(record.setAt >= started.addingTimeInterval(-1), "a fresh set is dated now, for the heartbeat window")
        }
    }

    @Test(arguments: [
        ("512MiB", "0.5"),
        ("1.5GiB", "1.5"),
        ("1536MiB", "1.5"),
        ("100MiB", "0.09765625"),
        ("3GiB", "3"),
    ])
    func sendsTheCapacityAsAnExactDecimalNumberOfGiB(capacity: String, argument: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(
                baseDir: base,
                """
                quotas:
                  - path: /q
                    capacity: \(capacity)
                """)
            let quota = try #require(scenario.spec.quotas.first)
            scenario.runner.on(prefix: ["juicefs", "quota"], .success())

            _ = await scenario.executor.execute(scenario.action(.setQuota(quota)), spec: scenario.spec)

            let set = try #require(scenario.runner.commands(startingWith: ["juicefs", "quota", "set"]).first)
            #expect(Array(set.arguments.suffix(4)) == ["--capacity", argument, "--inodes", "0"])
        }
    }

    @Test func setsAnInodeOnlyQuotaWithoutCapacity() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let quota = VolumeSpec.Quota(path: "/inodes-only", capacity: nil, inodes: 5000)
            scenario.runner.on(prefix: ["juicefs", "quota", "set"], .success())
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-inodes-only.txt")))

            let result = await scenario.executor.execute(scenario.action(.setQuota(quota)), spec: scenario.spec)

            #expect(
                result.outcome
                    == .done(
                        "/inodes-only: inodes 5000 (verified with juicefs quota get; a running mount enforces it from its next heartbeat)"))
            #expect(
                scenario.runner.commands(startingWith: ["juicefs", "quota", "set"]).first?.arguments.suffix(4) == [
                    "--capacity", "0", "--inodes", "5000",
                ])
        }
    }

    @Test func failsWhenTheReadBackDiffersFromTheDeclaredQuota() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            // juicefs kept an inode limit the spec does not declare.
            let quota = VolumeSpec.Quota(path: "/big", capacity: .tebibytes(2), inodes: nil)
            scenario.runner.on(prefix: ["juicefs", "quota", "set"], .success())
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-set-big.txt")))

            let result = await scenario.executor.execute(scenario.action(.setQuota(quota)), spec: scenario.spec)

            #expect(result.outcome == .failed("juicefs quota set returned, but quota get shows 2199023255552 bytes and 1234567 inodes"))
            #expect(scenario.stateStore.load().quotas.isEmpty, "an unverified quota is not recorded")
        }
    }

    @Test func failsWhenTheReadBackShowsNoQuota() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(prefix: ["juicefs", "quota", "set"], .success())
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-no-quota.txt")))

            let result = await scenario.executor.execute(scenario.action(.setQuota(.original)), spec: scenario.spec)

            #expect(result.outcome == .failed("juicefs quota set returned, but quota get shows no capacity limit and no inode limit"))
        }
    }

    @Test func reportsJuiceFSsErrorWhenTheDirectoryIsMissing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(prefix: ["juicefs", "quota", "set"], .failure(stderr: try Fixture.text("juicefs/quota-set-missing.stderr")))

            let result = await scenario.executor.execute(scenario.action(.setQuota(.original)), spec: scenario.spec)

            #expect(result.outcome == .failed("juicefs quota set /active/fs failed: resolve dir /nope: no such file or directory"))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "quota", "get"]).isEmpty)
        }
    }

    @Test func aConditionalQuotaThatIsAlreadySetIsSkippedAndRecorded() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-active-fs.txt")))

            let result = await scenario.executor.execute(
                scenario.action(.setQuota(.original), conditional: true), spec: scenario.spec)

            #expect(result.outcome == .skipped("/active/fs already has capacity 10TiB"))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "quota", "set"]).isEmpty)
            #expect(scenario.stateStore.load().quotas["/active/fs"]?.setAt == .distantPast)
        }
    }

    @Test func refusesAQuotaOnAPathThatIsNoDirectoryOfTheMountedVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath + "/active/fs", .found(inode: 12, isDirectory: false))

            let result = await scenario.executor.execute(scenario.action(.setQuota(.original)), spec: scenario.spec)

            #expect(result.outcome == .failed("/active/fs is not a directory on the volume"))
            #expect(scenario.runner.commands.isEmpty)
        }
    }

    @Test func removesAQuotaAndForgetsIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.stateStore.update { $0.quotas["/old"] = .init(capacity: 1 << 30, inodes: nil, setAt: .distantPast) }
            scenario.runner.on(["juicefs", "quota", "delete", scenario.url, "--path", "/old"], .success())
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/old"], .success(try Fixture.text("juicefs/quota-get-no-quota.txt")))

            let result = await scenario.executor.execute(scenario.action(.removeQuota, "/old"), spec: scenario.spec)

            #expect(result.outcome == .done("removed the quota on /old"))
            #expect(scenario.stateStore.load().quotas.isEmpty)
        }
    }

    @Test func aQuotaThatSurvivesDeleteIsAFailure() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(prefix: ["juicefs", "quota", "delete"], .success())
            scenario.runner.on(prefix: ["juicefs", "quota", "get"], .success(try Fixture.text("juicefs/quota-get-x.txt")))

            let result = await scenario.executor.execute(scenario.action(.removeQuota, "/x"), spec: scenario.spec)

            #expect(result.outcome == .failed("juicefs quota delete returned, but /x still has a quota"))
        }
    }
}
