internal import Foundation
package import JuiceCtlCore

/// When an observation reads a volume's ownership record (a GET of an S3 object, or a file read).
public enum OwnershipCheck: Sendable, Hashable {
    /// Never (checkpoint commands of a mounted volume; tests).
    case never
    /// Only when this host does not run the volume yet: before anything would start it (`apply`). A converged
    /// volume this host runs is not asked on every apply.
    case whenStarting
    /// Always (`plan`, `status`, `down`, every `juicectl run` pass: a host that was fenced must learn it).
    case always
}

/// Builds the ownership protocol of a volume; `nil` when the volume needs none.
package typealias OwnershipFactory = @Sendable (VolumeSpec) async throws -> OwnershipClaim?

extension VolumeObserver {
    /// Who owns the volume, read from its record when `check` says so; `nil` when the volume needs no ownership or
    /// the record was not read.
    func observeOwnership(_ spec: VolumeSpec, check: OwnershipCheck, runsHere: Bool) async -> OwnershipObservation? {
        guard let ownership, check != .never, !(check == .whenStarting && runsHere),
            case .required(let location) = OwnershipRequirement.of(spec)
        else { return nil }
        let place = location.display
        do {
            guard let claim = try await ownership(spec) else { return nil }
            let remembered = try? claim.memory.recall()
            let standing = try await claim.standing()
            return Self.observation(standing, remembered: remembered, instance: claim.identity.instance, location: place)
        } catch {
            return OwnershipObservation(state: .unreadable("\(error)"), location: place)
        }
    }

    /// The observation of what `standing()` found.
    static func observation(
        _ standing: OwnershipStanding, remembered: RememberedOwnership?, instance: String,
        location: String
    ) -> OwnershipObservation {
        func owner(_ record: OwnershipRecord) -> OwnershipObservation.Owner {
            .init(host: record.host, instance: record.instance, pid: record.pid, since: record.since)
        }
        /// Whether another instance owned the volume since this one last did: a record newer than the one remembered,
        /// or, with nothing remembered, another instance's record.
        func elsewhereSince(_ record: OwnershipRecord?) -> Bool {
            guard let record else { return false }
            guard let remembered else { return record.instance != instance }
            return record.generation > remembered.generation
        }
        switch standing {
        case .owned(let record):
            return OwnershipObservation(state: .mine(generation: record.generation), location: location)
        case .fenced(let record, let lost):
            let state: OwnershipObservation.State =
                if let record, record.state == .owned {
                    .elsewhere(owner(record), generation: record.generation)
                } else if let record {
                    .released(by: owner(record), generation: record.generation)
                } else {
                    .free
                }
            return OwnershipObservation(state: state, location: location, fencedFrom: lost, ownedElsewhereSince: true)
        case .ownedElsewhere(let record):
            return OwnershipObservation(
                state: .elsewhere(owner(record), generation: record.generation), location: location,
                ownedElsewhereSince: elsewhereSince(record))
        case .unowned(let record):
            let state: OwnershipObservation.State =
                if let record, record.instance == instance, record.state == .owned {
                    .mineStale(generation: record.generation)
                } else if let record {
                    .released(by: owner(record), generation: record.generation)
                } else {
                    .free
                }
            return OwnershipObservation(state: state, location: location, ownedElsewhereSince: elsewhereSince(record))
        }
    }
}
