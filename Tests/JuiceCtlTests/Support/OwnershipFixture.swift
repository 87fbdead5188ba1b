import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization

/// Identities, records and claimers for the ownership tests, in virtual time.
enum OwnershipFixture {
    static let volume = "demo"
    static let settle: Duration = .seconds(2)

    /// The identity of "host" `name`: instance `instance-<name>`.
    static func identity(_ name: String) -> OwnershipIdentity {
        OwnershipIdentity(
            host: "host-\(name)", machineId: "machine-\(name)", bootId: "boot-\(name)",
            instance: "instance-\(name)", pid: 4242)
    }

    /// A record of `owner`.
    static func record(
        _ owner: String, generation: UInt64, state: OwnershipRecord.State = .owned,
        nonce: String? = nil, volume: String = volume
    ) -> OwnershipRecord {
        OwnershipRecord(
            volume: volume, uuid: "uuid-1", owner: identity(owner), generation: generation,
            since: Date(timeIntervalSince1970: 1_700_000_000), state: state,
            nonce: nonce ?? "nonce-\(owner)-\(generation)")
    }

    /// The memory of an instance that confirmed `record`.
    static func memory(of record: OwnershipRecord) -> InMemoryOwnershipMemory {
        InMemoryOwnershipMemory(RememberedOwnership(record, location: "memory:store"))
    }

    /// A claim by `name` over `store` in `time`.
    static func claim(
        _ name: String, store: any OwnershipStoring, memory: any OwnershipMemory = InMemoryOwnershipMemory(),
        time: VirtualTime, settle: Duration = settle, maxAttempts: Int = 5,
        progress: (@Sendable (OwnershipStep) -> Void)? = nil
    ) -> OwnershipClaim {
        OwnershipClaim(
            volume: volume, uuid: "uuid-1", identity: identity(name), store: store, memory: memory,
            clock: time.clock, settle: settle, maxAttempts: maxAttempts, progress: progress)
    }
}

extension VirtualTime {
    /// Runs one throwing body in this virtual time.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let results: [Result<T, any Error>] = await run([
            {
                do { return .success(try await body()) } catch { return .failure(error) }
            }
        ])
        return try results[0].get()
    }
}

/// Steps a claim reported, collected across tasks.
final class StepLog: Sendable {
    private let steps = Mutex<[OwnershipStep]>([])

    var all: [OwnershipStep] { steps.withLock { $0 } }

    var restarts: Int {
        all.filter { if case .restarted = $0 { true } else { false } }.count
    }

    var record: @Sendable (OwnershipStep) -> Void {
        { step in self.steps.withLock { $0.append(step) } }
    }
}
