package import JuiceCtl
package import JuiceCtlCore
internal import Synchronization

/// An ``OwnershipStoring`` held in memory, linearizable like S3: each call takes effect at one instant, when it is
/// applied. Hooks run before and after that instant, so a test can delay a call (in virtual time), hold it, make it
/// fail before it takes effect, or fail after it took effect (a write that landed but whose answer was lost).
///
/// ```swift
/// let store = InMemoryOwnershipStore()
/// store.beforeApply = { operation in try await clock.sleep(.milliseconds(300)) }
/// ```
package final class InMemoryOwnershipStore: OwnershipStoring {
    /// One call, as the hooks see it.
    package enum Operation: Sendable, Hashable {
        /// A read, with its deadline.
        case read(deadline: Duration)
        /// A write of the record, with its deadline.
        case write(OwnershipRecord, deadline: Duration)
    }

    /// What a hook may do to the call it sees.
    package typealias Hook = @Sendable (Operation) async throws -> Void

    private struct State {
        var record: OwnershipRecord?
        var applied: [Operation] = []
        var before: Hook?
        var after: Hook?
    }

    private let state: Mutex<State>

    /// A name for messages: `memory:<name>`.
    package let name: String

    /// Creates a store holding `record`.
    package init(_ record: OwnershipRecord? = nil, name: String = "store") {
        state = Mutex(State(record: record))
        self.name = name
    }

    package var location: String { "memory:\(name)" }

    /// The record now.
    package var record: OwnershipRecord? {
        get { state.withLock { $0.record } }
        set { state.withLock { $0.record = newValue } }
    }

    /// Every call that took effect, in order.
    package var applied: [Operation] { state.withLock { $0.applied } }

    /// The records written so far, in order.
    package var writes: [OwnershipRecord] {
        applied.compactMap { if case .write(let record, _) = $0 { record } else { nil } }
    }

    /// Runs before a call takes effect; a throw makes the call fail without effect.
    package var beforeApply: Hook? {
        get { state.withLock { $0.before } }
        set { state.withLock { $0.before = newValue } }
    }

    /// Runs after a call took effect; a throw makes the call fail although it took effect.
    package var afterApply: Hook? {
        get { state.withLock { $0.after } }
        set { state.withLock { $0.after = newValue } }
    }

    package func read(deadline: Duration) async throws -> OwnershipRecord? {
        let operation = Operation.read(deadline: deadline)
        try await beforeApply?(operation)
        let record = state.withLock { state in
            state.applied.append(operation)
            return state.record
        }
        try await afterApply?(operation)
        return record
    }

    package func write(_ record: OwnershipRecord, deadline: Duration) async throws {
        let operation = Operation.write(record, deadline: deadline)
        try await beforeApply?(operation)
        state.withLock { state in
            state.applied.append(operation)
            state.record = record
        }
        try await afterApply?(operation)
    }
}

/// An ``OwnershipMemory`` held in memory.
package final class InMemoryOwnershipMemory: OwnershipMemory {
    private let state: Mutex<RememberedOwnership?>

    /// Creates a memory remembering `ownership`.
    package init(_ ownership: RememberedOwnership? = nil) {
        state = Mutex(ownership)
    }

    /// What it remembers now.
    package var remembered: RememberedOwnership? { state.withLock { $0 } }

    package func recall() throws -> RememberedOwnership? { state.withLock { $0 } }

    package func remember(_ ownership: RememberedOwnership) throws { state.withLock { $0 = ownership } }
}

/// Ownership of movable volumes kept in memory, for reconcilers and executors on a fake host: one store (the
/// "replica location") shared by every instance made from it, a memory per instance, a settle time of 40 ms.
package struct InMemoryOwnership: Sendable {
    /// The record's store.
    package let store: InMemoryOwnershipStore
    /// This instance's memory.
    package let memory: InMemoryOwnershipMemory
    /// This instance.
    package let identity: OwnershipIdentity

    /// An instance `instance` over `store` (a new one by default).
    package init(store: InMemoryOwnershipStore = InMemoryOwnershipStore(), instance: String = "instance-a", host: String = "host-a") {
        self.store = store
        memory = InMemoryOwnershipMemory()
        identity = OwnershipIdentity(host: host, machineId: "machine-\(host)", bootId: "boot-\(host)", instance: instance, pid: 4242)
    }

    /// The factory reconcilers and executors take: a claim for every volume that needs one.
    package var factory: OwnershipFactory {
        let store = store
        let memory = memory
        let identity = identity
        return { spec in
            guard OwnershipRequirement.of(spec).isRequired else { return nil }
            return OwnershipClaim(volume: spec.name, identity: identity, store: store, memory: memory, settle: .milliseconds(40))
        }
    }
}
