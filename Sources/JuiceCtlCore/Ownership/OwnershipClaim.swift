/// The ownership protocol of one volume for one instance: claim, take over, release, and what the record says,
/// over an ``OwnershipStoring`` (the record in the replica location), an ``OwnershipMemory`` (what this instance
/// remembers owning) and a ``HostClock``. Pure logic: every effect goes through those three.
///
/// ## Claim
///
/// Read the record. Owned by another instance: ``ClaimOutcome/ownedElsewhere(_:fencedGeneration:)``. Owned by this
/// instance at the generation and nonce it remembers: ``ClaimOutcome/alreadyOwned(_:)``. Otherwise (no record, a
/// released one, or one of this instance it does not remember confirming): write a new record, generation + 1 and
/// a new nonce, but only if no more than `settle/2` passed since the read began (else start over), and give the
/// write only what is left of `settle`, less a margin of `settle/10`, as its deadline. Wait `settle` after the write
/// returned, read the record back: this instance's nonce means ``ClaimOutcome/claimed(_:)``, anything else
/// ``ClaimOutcome/lostRace(_:)``. Only then is the generation remembered.
///
/// ## Why two racing claimers never both win
///
/// Assumptions: the store is linearizable per key (read-after-write consistent: a read returns the last write that
/// took effect before it; S3 has been strongly consistent since December 2020, MinIO always was); every call takes
/// effect at one instant between its start and its return, and a write no later than the deadline it was given
/// (the stores give up a request at its deadline and never rename a file into place after it); the two claimers'
/// clocks run at the same rate (no shared clock is needed: every bound is a duration on one host's own clock); and
/// no claimer is paused between measuring the time and sending its write for longer than the margin.
///
/// Suppose claimers A and B both win. Call `r`, `w`, `v` the instants their read, write and read back took effect,
/// and say `wA < wB`. A read back its own record, so no write took effect between `wA` and `vA`: `vA < wB`. B wrote,
/// so B's read did not see A's record (it would have answered `ownedElsewhere`): `rB < wA`. Now B's write took
/// effect before its deadline, which ends less than `settle` after B's read began:
/// `wB < start(rB) + settle <= rB + settle < wA + settle`. And A read back only `settle` after its write returned:
/// `vA >= return(wA) + settle >= wA + settle`. So `wB < vA`, a contradiction. With more claimers, apply the argument
/// to any two winners. A write that returns after its budget breaks the assumption and is not trusted
/// (``OwnershipError/writeOutlivedBudget(location:budget:)``).
///
/// A process killed at any step leaves either the old record (before its write took effect) or its own unconfirmed
/// one: another instance sees that as owned elsewhere, and the same instance, coming back, claims it again with a
/// new generation. Never two owners; the volume is stuck only until its last owner returns or an operator takes it
/// over.
///
/// ## Takeover
///
/// Like a claim, but also over a record another instance owns (the operator says that host is gone), with
/// generation + 1. Between claimers the protocol excludes; a takeover instead fences: if the old owner is alive
/// after all, it finds at its next claim or ``standing()`` that the record moved on, and must stop.
///
/// ## Release
///
/// Only by the owner at the generation it remembers: the record is rewritten as `released`, same generation, new
/// nonce, within the same time window as a claim's write (so that a takeover racing the release reads the release
/// back and loses). Released already: nothing is written.
public struct OwnershipClaim: Sendable {
    /// The volume.
    public var volume: String
    /// The JuiceFS volume UUID, when known; written into the record for people reading it.
    public var uuid: String?
    /// Who claims.
    public var identity: OwnershipIdentity
    /// Where the record lives.
    public var store: any OwnershipStoring
    /// What this instance remembers owning.
    public var memory: any OwnershipMemory
    /// Time, sleep, dates and nonces.
    public var clock: HostClock
    /// How long a claim waits after its write before reading back; also the bound on read-to-write time.
    public var settle: Duration
    /// How often a claim starts over (a slow read) before it gives up.
    public var maxAttempts: Int
    /// The deadline of each read.
    public var readDeadline: Duration
    /// Told of every step as it passes.
    public var progress: (@Sendable (OwnershipStep) -> Void)?

    /// The default settle time.
    public static let defaultSettle: Duration = .seconds(2)

    /// Creates the protocol for `identity` on `volume`.
    public init(
        volume: String, uuid: String? = nil, identity: OwnershipIdentity, store: any OwnershipStoring,
        memory: any OwnershipMemory, clock: HostClock = .system, settle: Duration = defaultSettle,
        maxAttempts: Int = 5, readDeadline: Duration = .seconds(10),
        progress: (@Sendable (OwnershipStep) -> Void)? = nil
    ) {
        self.volume = volume
        self.uuid = uuid
        self.identity = identity
        self.store = store
        self.memory = memory
        self.clock = clock
        self.settle = settle
        self.maxAttempts = maxAttempts
        self.readDeadline = readDeadline
        self.progress = progress
    }

    /// Claims the volume for this instance unless another owns it.
    ///
    /// - Throws: the store's errors (unreachable, refused), ``OwnershipError``, or `CancellationError` when the task
    ///   is cancelled between steps.
    public func claim() async throws -> ClaimOutcome {
        try await acquire(overOthers: false)
    }

    /// Takes the volume over for this instance, also from another owner (which the operator says is gone), with a
    /// new generation. Returns ``ClaimOutcome/alreadyOwned(_:)`` when this instance owns it already.
    ///
    /// - Throws: as ``claim()``.
    public func takeover() async throws -> ClaimOutcome {
        try await acquire(overOthers: true)
    }

    /// Lets go of the volume, when this instance owns it at the generation it remembers.
    ///
    /// - Throws: as ``claim()``.
    public func release() async throws -> ReleaseOutcome {
        let remembered = try memory.recall()
        for _ in 1...max(1, maxAttempts) {
            let began = clock.now()
            let current = try await read()
            try step(.read(current))
            guard let current, current.instance == identity.instance, remembered?.generation == current.generation,
                remembered?.volume == volume
            else {
                return .notOwner(current)
            }
            if current.state == .released { return .released(current) }
            guard remembered?.matches(current) == true else { return .notOwner(current) }
            guard let budget = try writeBudget(since: began) else { continue }
            let released = record(generation: current.generation, state: .released)
            try await write(released, budget: budget, since: began)
            try step(.wrote(released))
            try remember(released)
            return .released(released)
        }
        throw OwnershipError.storeTooSlow(location: store.location, attempts: max(1, maxAttempts), settle: settle)
    }

    /// What the record says about this instance, without writing.
    ///
    /// - Throws: the store's errors, ``OwnershipError``.
    public func standing() async throws -> OwnershipStanding {
        let remembered = try memory.recall().flatMap { $0.volume == volume ? $0 : nil }
        let current = try await read()
        if let current, current.isOwned(by: identity.instance), remembered?.matches(current) == true {
            return .owned(current)
        }
        if let remembered, remembered.state == .owned, current?.instance != identity.instance {
            return .fenced(by: current, lostGeneration: remembered.generation)
        }
        if let current, current.state == .owned, current.instance != identity.instance {
            return .ownedElsewhere(current)
        }
        return .unowned(current)
    }

    // MARK: Steps

    private func acquire(overOthers: Bool) async throws -> ClaimOutcome {
        let remembered = try memory.recall().flatMap { $0.volume == volume ? $0 : nil }
        for _ in 1...max(1, maxAttempts) {
            let began = clock.now()
            let current = try await read()
            try step(.read(current))
            if let current, current.state == .owned {
                if current.instance == identity.instance {
                    if remembered?.matches(current) == true { return .alreadyOwned(current) }
                } else if !overOthers {
                    let fenced = remembered?.state == .owned ? remembered?.generation : nil
                    return .ownedElsewhere(current, fencedGeneration: fenced)
                }
            }
            guard let budget = try writeBudget(since: began) else { continue }
            let claimed = record(generation: (current?.generation ?? 0) + 1, state: .owned)
            try await write(claimed, budget: budget, since: began)
            try step(.wrote(claimed))
            try await clock.sleep(settle)
            try step(.settled)
            let back = try await read()
            try step(.readBack(back))
            guard let back, back.nonce == claimed.nonce else { return .lostRace(back) }
            try remember(back)
            return .claimed(back)
        }
        throw OwnershipError.storeTooSlow(location: store.location, attempts: max(1, maxAttempts), settle: settle)
    }

    /// The deadline a write started now may have, or `nil` (after reporting a restart) when more than half the
    /// settle time passed since `began`.
    private func writeBudget(since began: Duration) throws -> Duration? {
        let elapsed = clock.now() - began
        guard elapsed <= settle / 2 else {
            try step(.restarted(elapsed: elapsed))
            return nil
        }
        return settle - elapsed - settle / 10
    }

    private func write(_ record: OwnershipRecord, budget: Duration, since began: Duration) async throws {
        try await store.write(record, deadline: budget)
        guard clock.now() - began <= settle - settle / 10 else {
            throw OwnershipError.writeOutlivedBudget(location: store.location, budget: budget)
        }
    }

    private func read() async throws -> OwnershipRecord? {
        let record = try await store.read(deadline: readDeadline)
        if let record, record.volume != volume {
            throw OwnershipError.foreignRecord(location: store.location, found: record.volume, expected: volume)
        }
        return record
    }

    private func record(generation: UInt64, state: OwnershipRecord.State) -> OwnershipRecord {
        OwnershipRecord(
            volume: volume, uuid: uuid, owner: identity, generation: generation, since: clock.date(),
            state: state, nonce: clock.nonce())
    }

    private func remember(_ record: OwnershipRecord) throws {
        try memory.remember(RememberedOwnership(record, location: store.location))
    }

    /// Reports `step`, then stops if the task was cancelled (as a killed process would stop there).
    private func step(_ step: OwnershipStep) throws {
        progress?(step)
        try Task.checkCancellation()
    }
}
