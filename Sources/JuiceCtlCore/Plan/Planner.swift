/// The planner: a pure function from a spec and an observation to an ordered list of actions, each with a reason.
///
/// It runs no program and reads nothing from the host. Order follows dependencies: format → mount → directories →
/// quotas; a blocking conflict drops the steps that depend on it.
public enum Planner {
    /// Plans what it takes to bring the observed volume to the spec.
    public static func plan(_ spec: VolumeSpec, _ observation: VolumeObservation) -> VolumePlan {
        var planner = PlanBuilder(spec: spec, observation: observation)
        planner.run()
        var plan = VolumePlan(spec: spec, actions: planner.actions, conflicts: planner.conflicts, sessions: observation.sessions)
        plan.notes = planner.notes
        return plan
    }

    /// Plans `down`: unmount the volume (graceful first, then forced, as the executor decides on failure).
    public static func planDown(_ spec: VolumeSpec, _ observation: VolumeObservation) -> VolumePlan {
        var actions: [Action] = PlanBuilder.thawCgroupsAction(observation).map { [$0] } ?? []
        // The overlay sits on the image, the image on the JuiceFS mount: they come down first, in that order.
        if let overlay = observation.overlay {
            actions += PlanBuilder.overlayTeardown(spec, overlay, for: .down)
        }
        if let flush = PlanBuilder.flushBeforeDown(spec, observation) { actions.append(flush) }
        let explained = MountExplanation(spec)
        switch observation.mount {
        case .live(let mount):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path, reason: explained.downMounted(mount),
                    disruption: .interrupting))
        case .stale(let reason, _):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path, reason: explained.downStale(reason: reason),
                    disruption: .none))
        case .unresponsive(let reason, let pid):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path,
                    reason: explained.downUnresponsive(reason: reason, pid: pid),
                    disruption: .interrupting))
        case .absent, .foreign:
            break
        }
        for path in observation.formerMountPaths where path != spec.mount.path {
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: path, reason: "down: juicectl mounted this volume here earlier",
                    disruption: .interrupting))
        }
        if case .running(let pid, _)? = observation.backup?.process {
            actions.append(
                Action(
                    .stopBackup, .delete, target: spec.metadata.sqlitePath ?? spec.name,
                    reason:
                        "down: Litestream (pid \(pid)) stops last, after a final sync, so that everything written before down is in the "
                        + "replica"
                ))
        }
        if let ownership = observation.ownership {
            switch ownership.state {
            case .mine, .mineStale:
                actions.append(
                    Action(
                        .releaseOwnership, .delete, target: ownership.location,
                        reason: "down: after the final sync another host may own the volume: release it"))
            default:
                break
            }
        }
        return VolumePlan(spec: spec, actions: ActionDependencies.inTeardownOrder(sorting: actions), conflicts: [])
    }
}

/// Builds one plan; each section of it (format, mount, directories, quotas, checkpoints) is one method.
struct PlanBuilder {
    let spec: VolumeSpec
    let observation: VolumeObservation
    var actions: [Action] = []
    var conflicts: [Conflict] = []
    var notes: [PlanNote] = []

    /// Whether the volume will be formatted by this plan (so it is empty).
    var formatsVolume = false
    /// Whether this plan restores the metadata from the replica.
    var restoresMetadata = false
    /// Whether a mount will exist at the spec's mount point once the mount steps ran.
    var mountAvailable = false
    /// Volume paths that cannot hold a quota (not directories), found by the directories stage.
    var blockedPaths: Set<String> = []

    init(spec: VolumeSpec, observation: VolumeObservation) {
        self.spec = spec
        self.observation = observation
    }
}
