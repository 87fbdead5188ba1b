import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Executor: format")
struct ExecutorFormatTests {
    /// On a real host `prepareHostDirectories` makes the state directory; the fake host only records the call, and
    /// the format step writes its intent record there.
    static func makeStateDirectory(_ scenario: VolumeScenario) throws {
        try FileManager.default.createDirectory(atPath: scenario.spec.stateDir, withIntermediateDirectories: true)
    }

    @Test func formatsANewVolumeWithNoUpdateAndVerifiesIt() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let spec = scenario.spec
            try Self.makeStateDirectory(scenario)
            scenario.runner.on(prefix: ["juicefs", "format"], .success(stderr: try Fixture.text("juicefs/format.stderr")))
            scenario.runner.on(["juicefs", "status", scenario.url], .success(try Fixture.text("juicefs/status-unmounted.json")))

            let result = await scenario.executor.execute(scenario.action(.format, spec.name), spec: spec)

            guard case .done(let text) = result.outcome else {
                Issue.record("expected done, got \(result.outcome)")
                return
            }
            #expect(text.contains("UUID \(VolumeScenario.uuid)"))
            #expect(
                scenario.runner.argvs == [
                    [
                        "juicefs", "format", "--no-update", "--storage", "file", "--bucket", "\(base)/objects/",
                        "--block-size", "4096", "--compress", "none", "--trash-days", "7", scenario.url, "fixvol",
                    ],
                    ["juicefs", "status", scenario.url],
                ])
            #expect(
                scenario.host.createdLocalDirectories == [
                    base, "\(base)/cache", "\(base)/logs", "\(base)/objects", base, "\(base)/.juicectl",
                ])
            #expect(!FileManager.default.fileExists(atPath: spec.formatIntentFile), "a finished format leaves no intent record")
        }
    }

    @Test func skipsFormatWhenTheVolumeIsAlreadyFormatted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            scenario.runner.on(["juicefs", "status", scenario.url], .success(try Fixture.text("juicefs/status-unmounted.json")))
            scenario.runner.on(["juicefs", "quota", "list", scenario.url], .success(try Fixture.text("juicefs/quota-list.txt")))

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            #expect(result.outcome == .skipped("volume fixvol is already formatted (UUID \(VolumeScenario.uuid))"))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "format"]).isEmpty)
            #expect(scenario.host.createdLocalDirectories.isEmpty)
        }
    }

    @Test func refusesToFormatOverStorageThatHoldsTheVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.storageHoldsVolume()

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            #expect(
                result.outcome
                    == .failed("the object storage now holds data of volume UUID \(VolumeScenario.uuid); refusing to format over it"))
            #expect(scenario.runner.commands.isEmpty, "neither status (no SQLite file) nor format")
        }
    }

    @Test func refusesToFormatOverObjectsWithoutUUIDFile() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.host.setLocalFile("\(base)/objects/fixvol/chunks")

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            #expect(result.failed)
            #expect(scenario.runner.count(of: "juicefs") == 0)
        }
    }

    @Test func refusesWhenTheEngineNowHoldsAnotherVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.metadataFileExists()
            let other = try Fixture.text("juicefs/status-unmounted.json").replacingOccurrences(of: "\"fixvol\"", with: "\"othervol\"")
            scenario.runner.on(["juicefs", "status", scenario.url], .success(other))

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            #expect(result.outcome == .failed("the metadata engine now holds volume 'othervol'; not formatting"))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "format"]).isEmpty)
        }
    }

    @Test func aFormatJuiceFSRefusesOverObjectsIsTheRefuseFormatOverDataConflict() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try Self.makeStateDirectory(scenario)
            scenario.runner.on(prefix: ["juicefs", "format"], .failure(stderr: try Fixture.text("juicefs/format-not-empty.stderr")))

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            let refusal = FormatRefusal(scenario.spec)
            #expect(refusal.code == .refuseFormatOverData)
            #expect(result.outcome == .failed(refusal.description))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "status"]).isEmpty)
        }
    }

    @Test func theRefusalSaysWhatHoldsWhatAndWhatToDo() throws {
        let refusal = FormatRefusal(try TestSpec.make(baseDir: "/srv/demo"))
        #expect(
            refusal.description
                == "RefuseFormatOverData: the object storage \(refusal.storage) already holds objects of volume '\(refusal.volume)' "
                + "but the metadata engine \(refusal.metadata) holds no volume; formatting would create an empty filesystem over "
                + "them. Restore the metadata to the engine and run apply again; if the old objects are to be discarded, remove the "
                + "prefix \(refusal.volume)/ from the bucket first")
    }

    @Test func reportsJuiceFSsOwnErrorWhenFormatFails() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try Self.makeStateDirectory(scenario)
            scenario.runner.on(
                prefix: ["juicefs", "format"],
                .failure(
                    stderr:
                        "2026/11/25 22:17:39.000000 juicefs[1] <FATAL>: format: cannot update volume block size from 4096 to 1024 "
                        + "[main@main.go:31]\n"
                ))

            let result = await scenario.executor.execute(scenario.action(.format, "fixvol"), spec: scenario.spec)

            #expect(result.outcome == .failed("juicefs format failed: format: cannot update volume block size from 4096 to 1024"))
            #expect(scenario.runner.commands(startingWith: ["juicefs", "status"]).isEmpty)
            #expect(scenario.host.fileExists(scenario.spec.formatIntentFile), "the intent stays for the next run")
        }
    }
}
