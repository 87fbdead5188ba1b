/// How a claim or a takeover ended (see ``OwnershipClaim``).
public enum ClaimOutcome: Sendable, Hashable {
    /// This instance wrote the record and read it back after the settle time: it owns the volume at the record's
    /// (new) generation.
    case claimed(OwnershipRecord)
    /// This instance already owned the volume, at the generation it remembers; nothing was written.
    case alreadyOwned(OwnershipRecord)
    /// Another instance owns the volume; nothing was written. `fencedGeneration` is the generation this instance
    /// remembers owning, when it did: the volume was taken over from it.
    case ownedElsewhere(OwnershipRecord, fencedGeneration: UInt64?)
    /// This instance wrote the record, but the read back after the settle time found another write (the record
    /// read back, `nil` if the record vanished): a racing claimer won, or will find out it lost.
    case lostRace(OwnershipRecord?)

    /// Whether this instance owns the volume now.
    public var owns: Bool {
        switch self {
        case .claimed, .alreadyOwned: true
        case .ownedElsewhere, .lostRace: false
        }
    }

    /// The record the outcome rests on.
    public var record: OwnershipRecord? {
        switch self {
        case .claimed(let record), .alreadyOwned(let record), .ownedElsewhere(let record, _): record
        case .lostRace(let record): record
        }
    }
}

/// How a release ended.
public enum ReleaseOutcome: Sendable, Hashable {
    /// The record now says `released` (same generation); any host may claim the volume. Also when this instance had
    /// already released it.
    case released(OwnershipRecord)
    /// The record is not this instance's at the generation it remembers (the record found, or `nil` for none);
    /// nothing was written.
    case notOwner(OwnershipRecord?)
}

/// What the record says about this instance, without writing (see ``OwnershipClaim/standing()``).
public enum OwnershipStanding: Sendable, Hashable {
    /// This instance owns the volume, at the generation it remembers.
    case owned(OwnershipRecord)
    /// This instance remembers owning generation `lostGeneration`, and the record has moved on: another instance
    /// took the volume over (the record, or `nil` when it vanished). The instance must stop using the volume.
    case fenced(by: OwnershipRecord?, lostGeneration: UInt64)
    /// Another instance owns the volume.
    case ownedElsewhere(OwnershipRecord)
    /// Nobody owns the volume: no record, a released one, or one of this instance that it does not remember
    /// confirming (a claim that was interrupted). A claim is needed, and would win unless another races it.
    case unowned(OwnershipRecord?)
}

/// A step of a claim, a takeover or a release, reported as it passes (for logs and tests). Cancelling the task at a
/// step stops the claim there, as a killed process would.
public enum OwnershipStep: Sendable, Hashable {
    /// The record was read (the record, or `nil` for none).
    case read(OwnershipRecord?)
    /// More than half the settle time passed since the read began: the claim starts over.
    case restarted(elapsed: Duration)
    /// The new record was written.
    case wrote(OwnershipRecord)
    /// The settle time passed after the write.
    case settled
    /// The record was read back (the record, or `nil` for none).
    case readBack(OwnershipRecord?)
}

extension OwnershipStep {
    /// The step's name without its payload: `read`, `restarted`, `wrote`, `settled` or `readBack`.
    public var name: String {
        switch self {
        case .read: "read"
        case .restarted: "restarted"
        case .wrote: "wrote"
        case .settled: "settled"
        case .readBack: "readBack"
        }
    }
}
