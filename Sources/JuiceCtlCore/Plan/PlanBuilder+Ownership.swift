/// One host at a time: a volume another host could pick up is claimed before anything writes, and a host that lost
/// it is fenced.
extension PlanBuilder {
    /// Plans the claim (when nobody, or this host's stale record, owns the volume), or refuses and fences (when
    /// another host owns it). Returns false when nothing else may be planned.
    mutating func planOwnership() -> Bool {
        guard let ownership = observation.ownership else { return true }
        switch ownership.state {
        case .mine:
            return true
        case .free, .released, .mineStale:
            let why =
                switch ownership.state {
                case .released(let owner, let generation): "\(owner.host) released it (generation \(generation))"
                case .mineStale(let generation): "the record is this host's, generation \(generation), but not the one it remembers"
                default: "nobody owns it yet"
                }
            actions.append(
                Action(
                    .claimOwnership, .create, target: ownership.location,
                    reason: "a volume another host could pick up is owned by one host at a time; \(why): claim it before anything writes"))
            return true
        case .elsewhere(let owner, let generation):
            if runsHere {
                actions.append(
                    Action(
                        .fenceVolume, .delete, target: spec.mount.path,
                        reason:
                            "\(owner) owns the volume (generation \(generation)): stop this host's Litestream and juicefs client at once "
                            + "and detach the mount, so that nothing more is written from here",
                        disruption: .interrupting))
            }
            conflicts.append(
                Conflict(
                    code: .volumeOwnedElsewhere, target: ownership.location,
                    message:
                        "volume \(spec.name) is owned by \(owner), generation \(generation)\(runsHere ? "; this host was fenced" : "")",
                    hint:
                        "run juicectl down on that host to move the volume here; if that host is gone for good, juicectl takeover "
                        + "\(spec.origin.file) moves ownership here",
                    blocking: true))
            return false
        case .unreadable(let reason):
            // A host that runs the volume keeps running it through a blip of the store; one that would start it waits.
            guard !runsHere else { return true }
            conflicts.append(
                Conflict(
                    code: .ownershipUnreadable, target: ownership.location,
                    message: "cannot read who owns volume \(spec.name): \(reason); nothing is started before that is known",
                    hint: "make the replica's store reachable; juicectl run retries", blocking: true))
            return false
        }
    }

    /// Whether this host runs the volume now (mounted, or replicating).
    var runsHere: Bool {
        if observation.mount.live != nil { return true }
        if case .stale = observation.mount { return true }
        if case .unresponsive = observation.mount { return true }
        if case .running? = observation.backup?.process { return true }
        return false
    }
}
