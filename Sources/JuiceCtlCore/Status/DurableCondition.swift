internal import Foundation

/// Why a volume is, or is not, durable: whether anything of it exists only on this host.
public enum DurableReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// No block is only staged here, and the replica (if any) holds what the database holds.
    case nothingLocal = "NothingLocal"
    /// Writeback staged blocks that are not yet in the object storage.
    case blocksStaged = "BlocksStaged"
    /// The volume uses writeback and its mount could not say what it stages.
    case stagingUnknown = "StagingUnknown"
    /// The metadata is replicated by Litestream, which does not run.
    case notReplicating = "NotReplicating"
    /// The replica's position was not read, or Litestream's is unknown.
    case replicaUnknown = "ReplicaUnknown"
    /// The replica holds nothing yet.
    case noReplica = "NoReplica"
    /// The replica is behind the database.
    case replicaBehind = "ReplicaBehind"
}

extension VolumeStatus {
    /// `Durable`: true when nothing of the volume exists only on this host — no block only staged by writeback, and
    /// (with a replica) the replica holds every transaction of the metadata. `nil` for volumes with neither writeback
    /// nor a replica.
    static func durableCondition(_ spec: VolumeSpec, _ observation: VolumeObservation, revision: String) -> Condition? {
        guard spec.mount.writeback || spec.backup != nil || observation.staging.map({ !$0.isEmpty }) == true else { return nil }
        func condition(_ reason: DurableReason, _ message: String) -> Condition {
            Condition(
                type: .durable, status: reason == .nothingLocal, reason: .durable(reason), message: message, observedRevision: revision)
        }
        var local: [String] = []
        if let staging = observation.staging, !staging.isEmpty {
            let age = staging.oldestAgeSeconds.map { String(format: ", the oldest written %.0f s ago", $0) } ?? ""
            return condition(
                .blocksStaged,
                "\(staging.summary) are staged in \(staging.cacheDir) and not yet in the object storage\(age); juicectl down uploads them "
                    + "first"
            )
        }
        if spec.mount.writeback {
            switch observation.mount {
            case .live where observation.staging == nil:
                return condition(.stagingUnknown, "the mount at \(spec.mount.path) does not say what its writeback client has staged")
            case .live:
                local.append("no block is only staged here")
            default:
                local.append("not mounted: a block staged before would be uploaded by the next mount, from \(spec.mount.cacheDir)")
            }
        }
        if let settings = spec.backup {
            let backup = observation.backup
            let running = if case .running? = backup?.process { true } else { false }
            let mounted = if case .live = observation.mount { true } else { false }
            if !running && mounted {
                return condition(
                    .notReplicating,
                    "Litestream does not run: the metadata written now is only in \(spec.metadata.sqlitePath ?? "the database")")
            }
            if running {
                guard let backup, backup.replicaListed, backup.replicaUnreadable == nil else {
                    return condition(.replicaUnknown, "the position of the replica \(settings.replica.display) was not read on this pass")
                }
                guard backup.replicaTXID != nil else {
                    return condition(.noReplica, "the replica \(settings.replica.display) holds nothing yet")
                }
                guard let lag = backup.lag else {
                    return condition(.replicaUnknown, "Litestream's position in the database is not known yet")
                }
                if lag > 0 {
                    let seconds = backup.lagSeconds.map { String(format: " for %.0f s", $0) } ?? ""
                    return condition(
                        .replicaBehind, "the replica \(settings.replica.display) is \(lag) transaction(s) behind the database\(seconds)")
                }
                local.append("the replica holds every transaction")
            } else {
                local.append("Litestream is stopped with the volume down")
            }
        }
        return condition(.nothingLocal, local.joined(separator: "; "))
    }
}
