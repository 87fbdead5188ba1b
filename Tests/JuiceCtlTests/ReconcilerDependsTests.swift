import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@testable import JuiceCtl

@Suite("Reconciler: action dependencies")
struct ReconcilerDependsTests {
    static func action(_ kind: Action.Kind, _ target: String) -> Action {
        Action(.placeholder(kind, target: target), .create, target: target, reason: "test")
    }

    @Test(arguments: [Action.Kind.format, .mount, .remount, .recoverStaleMount, .restoreMetadata, .startBackup, .restartBackup])
    func aFailedVolumeStepBlocksEveryLaterStep(prerequisite: Action.Kind) {
        let failed = Self.action(prerequisite, "/mnt")
        for later in [
            Self.action(.createDirectory, "/active"), Self.action(.setQuota, "/active/fs"),
            Self.action(.removeQuota, "/old"), Self.action(.mount, "/mnt"),
        ] {
            #expect(ActionDependencies.depends(later, on: failed), "\(later.kind) after \(prerequisite)")
        }
    }

    @Test(arguments: [Action.Kind.setQuota, .removeQuota, .unmount, .remountInPlace, .stopBackup])
    func aFailedIndependentStepBlocksNothing(prerequisite: Action.Kind) {
        let failed = Self.action(prerequisite, "/a")
        #expect(!ActionDependencies.depends(Self.action(.setQuota, "/b"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.setQuota, "/a"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.createDirectory, "/a/b"), on: failed))
    }

    @Test func aFailedUnmountKeepsLitestreamRunningButBlocksNoOtherUnmount() {
        let failed = Self.action(.unmount, "/mnt")
        #expect(
            ActionDependencies.depends(Self.action(.stopBackup, "/srv/metadata.db"), on: failed), "a volume left mounted keeps replicating")
        #expect(!ActionDependencies.depends(Self.action(.unmount, "/mnt/old"), on: failed))
    }

    @Test func aFailedDirectoryBlocksWhatLiesInsideIt() {
        let failed = Self.action(.createDirectory, "/active")
        #expect(ActionDependencies.depends(Self.action(.createDirectory, "/active/fs"), on: failed))
        #expect(ActionDependencies.depends(Self.action(.setQuota, "/active/fs"), on: failed))
        #expect(ActionDependencies.depends(Self.action(.setQuota, "/active"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.createDirectory, "/checkpoints"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.createDirectory, "/activex"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.unmount, "/active"), on: failed))
    }

    @Test func aFailedMountLeavesTheLaterActionsNotRun() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.runner.on(
                prefix: ["juicefs", "--no-agent", "mount"], .failure(stderr: try Fixture.text("juicefs/mount-unformatted.stderr")))
            let actions = [
                scenario.action(.mount),
                scenario.action(.createDirectory, "/active"),
                scenario.action(.setQuota(.original)),
            ]
            let seen = Mutex<[ActionResult]>([])

            let results = await scenario.reconciler.execute(actions, spec: scenario.spec) { result in seen.withLock { $0.append(result) } }

            #expect(results.count == 3)
            #expect(results[0].failed)
            #expect(results[1].outcome == .notRun(.prerequisiteFailed(kind: .mount, target: scenario.mountPath)))
            #expect(results[2].outcome == .notRun(.prerequisiteFailed(kind: .mount, target: scenario.mountPath)))
            #expect(seen.withLock { $0 } == results, "every result is reported as it ends")
            #expect(scenario.runner.commands.count == 1)
            #expect(scenario.host.createdDirectories.isEmpty)
        }
    }

    @Test func aFailedQuotaDoesNotStopAnotherQuota() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            let first = VolumeSpec.Quota(path: "/nope", capacity: .gibibytes(1), inodes: nil)
            let second = VolumeSpec.Quota(path: "/x", capacity: ByteSize(bytes: 3 << 29), inodes: 1000)
            scenario.runner.on(
                prefix: ["juicefs", "quota", "set", scenario.url, "--path", "/nope"],
                .failure(stderr: try Fixture.text("juicefs/quota-set-missing.stderr")))
            scenario.runner.on(
                prefix: ["juicefs", "quota", "set", scenario.url, "--path", "/x"], .success(try Fixture.text("juicefs/quota-set-x.txt")))
            scenario.runner.on(
                ["juicefs", "quota", "get", scenario.url, "--path", "/x"], .success(try Fixture.text("juicefs/quota-get-x.txt")))

            let results = await scenario.reconciler.execute(
                [scenario.action(.setQuota(first)), scenario.action(.setQuota(second))], spec: scenario.spec
            ) { _ in }

            #expect(results[0].failed)
            guard case .done = results[1].outcome else {
                Issue.record("expected the second quota to be set, got \(results[1].outcome)")
                return
            }
            #expect(
                scenario.runner.commands(startingWith: [
                    "juicefs", "quota", "set", scenario.url, "--path", "/x",
                    "--capacity", "1.5", "--inodes", "1000",
                ]).count == 1)
        }
    }
}
