import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The position of the first call in `calls` that starts with `prefix`, or `Int.max`.
private func index(of prefix: String, in calls: [String]) -> Int {
    calls.firstIndex { $0.hasPrefix(prefix) } ?? .max
}

@Suite("Reconciler: backup order")
struct ReconcilerBackupOrderTests {
    /// `fixvol` mounted and converged, its Litestream replicating with its control socket, mounted by juicectl.
    static func convergedWithLitestream(_ base: String) throws -> VolumeScenario {
        let scenario = try VolumeScenario(baseDir: base)
        try scenario.installConvergedVolume()
        try scenario.installReplicatingLitestream()
        scenario.host.setLocalFile(scenario.spec.litestreamSocket)
        scenario.host.setProcess(
            VolumeScenario.pid, commandLine: [VolumeScenario.tools.juicefs] + MountCommand.arguments(for: scenario.spec))
        try scenario.stateStore.update { $0.mountPaths = [scenario.mountPath] }
        FakeLitestream(scenario: scenario).installCommands()
        return scenario
    }

    @Test func downUnmountsFirstThenSyncsAndStopsLitestreamLast() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.convergedWithLitestream(base)
            scenario.runner.on(["juicefs", "umount", scenario.mountPath]) { command in
                FakeLitestream.log(command, on: scenario.host)
                scenario.removeLiveMount()
                return .success()
            }

            let report = try await scenario.reconciler.down(scenario.spec)

            #expect(report.results.map(\.action.kind) == [.unmount, .stopBackup])
            #expect(!report.failed, "\(report.results.map(\.outcome))")
            #expect(report.remaining.actions.isEmpty, "after down nothing is mounted and nothing replicates")
            let calls = scenario.host.calls
            #expect(index(of: "run juicefs umount", in: calls) < index(of: "run litestream sync", in: calls))
            #expect(index(of: "run litestream sync", in: calls) < index(of: "signal \(VolumeScenario.litestreamPID) \(SIGTERM)", in: calls))
            #expect(!scenario.host.isAlive(VolumeScenario.litestreamPID))
        }
    }

    @Test func downWhoseUnmountFailsLeavesLitestreamReplicatingTheStillMountedVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try Self.convergedWithLitestream(base)
            scenario.runner.on(prefix: ["juicefs", "umount"], .failure(stderr: "<FATAL>: fusermount: permission denied [main@main.go:31]"))

            let report = try await scenario.reconciler.down(scenario.spec)

            #expect(report.results.map(\.action.kind) == [.unmount, .stopBackup])
            #expect(report.results.first?.failed == true)
            #expect(report.results.last?.outcome == .notRun(.prerequisiteFailed(kind: .unmount, target: scenario.mountPath)))
            #expect(scenario.host.isAlive(VolumeScenario.litestreamPID))
            #expect(scenario.host.snapshot.signals.isEmpty)
            #expect(scenario.runner.commands(startingWith: ["litestream"]).isEmpty, "no final sync either: Litestream goes on")
        }
    }

    @Test func aFailedStartBackupLeavesTheMountAndEverythingAfterItNotRun() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            FakeLitestream(scenario: scenario).installStart(.dies(log: "level=ERROR msg=\"no such database\"\n"))
            let actions = [scenario.action(.startBackup, database), scenario.action(.mount), scenario.action(.createDirectory, "/active")]

            let results = await scenario.reconciler.execute(actions, spec: scenario.spec) { _ in }

            #expect(results.map(\.failed) == [true, false, false])
            #expect(
                results.dropFirst().allSatisfy { $0.outcome == .notRun(.prerequisiteFailed(kind: .startBackup, target: database)) },
                "nothing writes to a volume whose metadata is not replicated")
            #expect(scenario.runner.commands(startingWith: ["juicefs"]).isEmpty)
        }
    }

    @Test func aFailedRestoreOfTheMetadataLeavesEverythingAfterItNotRun() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let database = try #require(scenario.spec.metadata.sqlitePath)
            scenario.host.setLocalFile("\(base)/replica/ltx/0/\(VolumeScenario.ltxName(1, 3))")
            scenario.runner.on(prefix: ["litestream", "restore"], .failure(stderr: "error: cannot find snapshot\n"))
            let actions = [scenario.action(.restoreMetadata, database), scenario.action(.startBackup, database), scenario.action(.mount)]

            let results = await scenario.reconciler.execute(actions, spec: scenario.spec) { _ in }

            #expect(results.first?.outcome == .failed("litestream restore failed: error: cannot find snapshot"))
            #expect(results.dropFirst().allSatisfy { $0.outcome == .notRun(.prerequisiteFailed(kind: .restoreMetadata, target: database)) })
            #expect(scenario.runner.commands(startingWith: ["juicefs"]).isEmpty, "never format or mount instead")
            #expect(scenario.runner.commands(startingWith: ["sh"]).isEmpty)
        }
    }
}
