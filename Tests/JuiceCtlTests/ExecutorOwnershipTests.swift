import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The ownership steps on the fake host, over one in-memory record store shared by two "hosts".
@Suite("Executor: ownership steps")
struct ExecutorOwnershipTests {
    /// A scenario whose spec has an S3 replica (so the volume needs ownership), and a second host over the same store.
    static func scenario(_ base: String) throws -> (VolumeScenario, VolumeSpec, InMemoryOwnership) {
        let (scenario, spec) = try S3ReplicaTests.scenario(base)
        let other = InMemoryOwnership(store: scenario.ownership.store, instance: "instance-b", host: "host-b")
        return (scenario, spec, other)
    }

    static func run(_ kind: Action.Kind, _ spec: VolumeSpec, on scenario: VolumeScenario, ownership: InMemoryOwnership? = nil) async
        -> ActionResult.Outcome
    {
        let executor = Executor(
            host: scenario.host, runner: scenario.runner, tools: VolumeScenario.tools, logger: .quiet,
            ownership: (ownership ?? scenario.ownership).factory)
        return await executor.execute(Action(.placeholder(kind, target: "record"), .create, target: "record", reason: "test"), spec: spec)
            .outcome
    }

    @Test func aClaimMakesThisHostTheOwnerAndASecondClaimIsAlreadyOwned() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec, _) = try Self.scenario(base)
            let first = await Self.run(.claimOwnership, spec, on: scenario)
            #expect(first.doneText?.contains("this host owns volume fixvol now (generation 1") == true, "\(first)")
            #expect(scenario.ownership.store.record?.instance == "instance-a")
            let again = await Self.run(.claimOwnership, spec, on: scenario)
            #expect(again.skippedText?.contains("owns volume fixvol already") == true, "\(again)")
        }
    }

    @Test func anotherHostsClaimFailsNamingTheOwnerAndWritesNothing() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec, other) = try Self.scenario(base)
            _ = await Self.run(.claimOwnership, spec, on: scenario)
            let writes = scenario.ownership.store.writes.count
            let refused = await Self.run(.claimOwnership, spec, on: scenario, ownership: other)
            #expect(refused.failureText?.contains("volume fixvol is owned by host host-a") == true, "\(refused)")
            #expect(refused.failureText?.contains("juicectl takeover") == true)
            #expect(scenario.ownership.store.writes.count == writes)
        }
    }

    @Test func releaseLetsTheOtherHostClaim() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec, other) = try Self.scenario(base)
            _ = await Self.run(.claimOwnership, spec, on: scenario)
            let notMine = await Self.run(.releaseOwnership, spec, on: scenario, ownership: other)
            #expect(notMine.skippedText?.hasPrefix("this host does not own volume fixvol") == true, "\(notMine)")
            let released = await Self.run(.releaseOwnership, spec, on: scenario)
            #expect(released.doneText?.hasPrefix("released volume fixvol (generation 1)") == true, "\(released)")
            let claimed = await Self.run(.claimOwnership, spec, on: scenario, ownership: other)
            #expect(claimed.doneText?.contains("generation 2") == true, "\(claimed)")
        }
    }

    @Test func aTakeoverMovesOwnershipWithANewGenerationAndTheOldOwnerIsFencedOnItsNextLook() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec, other) = try Self.scenario(base)
            _ = await Self.run(.claimOwnership, spec, on: scenario)
            let executor = Executor(
                host: scenario.host, runner: scenario.runner, tools: VolumeScenario.tools, logger: .quiet,
                ownership: other.factory)
            let outcome = try await executor.takeOverOwnership(spec)
            #expect(outcome.doneText?.contains("took volume fixvol over from host host-a") == true, "\(outcome)")
            #expect(scenario.ownership.store.record?.generation == 2)
            let observer = scenario.reconciler
            let observation = await observer.observe(spec)
            guard case .elsewhere(let owner, 2)? = observation.ownership?.state else {
                Issue.record("\(String(describing: observation.ownership))")
                return
            }
            #expect(owner.instance == "instance-b")
            #expect(observation.ownership?.fencedFrom == 1)
        }
    }

    @Test func fencingKillsLitestreamAndTheClientAndDetachesTheMount() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec, _) = try Self.scenario(base)
            try scenario.installLiveMount()
            scenario.runner.on(prefix: ["umount", "-l"]) { [host = scenario.host] command in
                host.removeMountInfo(at: command.arguments[1])
                return .success()
            }
            let outcome = await Self.run(.fenceVolume, spec, on: scenario)
            let text = try #require(outcome.doneText, "\(outcome)")
            #expect(text.contains("killed the juicefs client (pid \(VolumeScenario.supervisorPID), \(VolumeScenario.pid))"), "\(text)")
            #expect(text.contains("detached \(spec.mount.path)"), "\(text)")
            #expect(scenario.host.snapshot.signals.allSatisfy { $0.1 == SIGKILL }, "no SIGTERM: nothing may flush or sync")
            #expect(scenario.runner.commands(startingWith: ["umount", "-l", spec.mount.path]).count == 1)
        }
    }
}
