/// What an observed ``MountState`` means, in words: the one home of what the status conditions, the planner's
/// reasons and conflicts, and `down` say about the volume's mount.
struct MountExplanation {
    /// The mount point.
    let path: String
    /// The metadata engine, as shown to people (no password).
    let metadata: String

    /// The explanation for the mount of the volume `spec` declares.
    init(_ spec: VolumeSpec) {
        path = spec.mount.path
        metadata = spec.metadata.displayURL
    }

    // MARK: Status

    /// The fault the mount shows (the `Degraded` reason), or `nil` when it is absent or healthy.
    func fault(_ state: MountState) -> ConditionCause? {
        switch state {
        case .stale(let why, _):
            (.staleMount, "the mount at \(path) does not answer: \(why)")
        case .unresponsive(let why, let pid):
            (
                .conflict(.mountUnresponsive),
                "the mount at \(path) does not answer (\(why)) although its juicefs client (pid \(pid)) runs: "
                    + "its metadata engine or object storage is probably unreachable"
            )
        case .foreign(let fstype, let source):
            (.conflict(.mountPointOccupied), "\(path) holds \(fstype) \(source)")
        case .live(let mount) where mount.stackedEntries > 1:
            (.stackedMounts, "\(mount.stackedEntries) mounts are stacked at \(path)")
        case .live(let mount) where !mount.supervisorAlive:
            (.unsupervised, "the juicefs supervisor \(mount.supervisorPID) is gone; a crashed client would not restart")
        case .absent, .live:
            nil
        }
    }

    /// Why the volume is not `Ready` because of its mount, or `nil` when it is mounted (live): not formatted, not
    /// mounted, or the mount's fault.
    func unavailable(_ state: MountState, metadata: MetadataState) -> ConditionCause? {
        switch state {
        case .absent where metadata == .missing || metadata == .unformatted:
            (.notFormatted, "the volume does not exist yet")
        case .absent:
            (.notMounted, notMounted)
        case .stale, .unresponsive, .foreign:
            fault(state)
        case .live:
            nil
        }
    }

    // MARK: Plan

    /// The volume is not mounted: the reason to mount it.
    var notMounted: String { "the volume is not mounted at \(path)" }

    /// The reason to detach a stale mount and mount again.
    func staleRecovery(reason: String, entries: Int) -> String {
        let extra = entries > 1 ? "; \(entries) mounts are stacked there" : ""
        return "the mount does not answer (\(reason))\(extra): detach it and mount again"
    }

    /// The refusal to touch a mount that does not answer while its client runs.
    func unresponsiveConflict(reason: String, pid: Int32) -> Conflict {
        Conflict(
            code: .mountUnresponsive, target: path,
            message:
                "the mount does not answer (\(reason)) but its juicefs client (pid \(pid)) runs: the metadata engine \(metadata) "
                + "or the object storage is probably slow or unreachable",
            hint:
                "make the servers reachable again; the client recovers by itself. juicectl does not detach a mount whose client runs: "
                + "that would break every open file (juicectl down does it on request)",
            blocking: true)
    }

    /// The refusal to mount over another filesystem.
    func occupiedConflict(fstype: String, source: String) -> Conflict {
        Conflict(
            code: .mountPointOccupied, target: path,
            message: "\(path) holds another filesystem (\(fstype) \(source))",
            hint: "unmount it or choose another mount.path; juicectl never mounts on top of it",
            blocking: true)
    }

    /// The reason to replace stacked mounts by one.
    func stackedRemount(entries: Int) -> String {
        "\(entries) mounts are stacked at \(path): unmount them all and mount once"
    }

    /// The reason to hand the session to a new client when the supervisor is gone.
    func supervisorGone(_ mount: LiveMount) -> String {
        "the supervising juicefs process \(mount.supervisorPID) is gone, so nothing would restart a crashed client: "
            + "hand the session to a new one"
    }

    // MARK: Down

    /// The reason `down` unmounts the live mount.
    func downMounted(_ mount: LiveMount) -> String {
        "down: volume is mounted" + (mount.stackedEntries > 1 ? " (\(mount.stackedEntries) stacked mounts)" : "")
    }

    /// The reason `down` detaches a stale mount.
    func downStale(reason: String) -> String {
        "down: mount does not answer (\(reason)); detach it"
    }

    /// The reason `down` unmounts a mount that does not answer while its client runs.
    func downUnresponsive(reason: String, pid: Int32) -> String {
        "down: the mount does not answer (\(reason)) but its juicefs client (pid \(pid)) runs; unmount it, forced if it must be"
    }
}
