/// Which cgroup interface a directory offers for freezing.
public enum CgroupVersion: String, Sendable, Hashable, Codable {
    /// cgroup v1 freezer controller: `freezer.state` (`THAWED`, `FREEZING`, `FROZEN`).
    case v1
    /// cgroup v2: `cgroup.freeze` (`0`/`1`) and `frozen 0|1` in `cgroup.events`.
    case v2
}

/// Whether a cgroup's processes are frozen.
public enum FreezerState: String, Sendable, Hashable, Codable {
    /// Running.
    case thawed
    /// Asked to freeze; some task has not stopped yet (v1 `FREEZING`, v2 `cgroup.freeze` 1 with `frozen 0`).
    case freezing
    /// Every task stopped.
    case frozen
}

/// One of `checkpoints.quiesce.cgroups` as found on the host.
public struct CgroupObservation: Sendable, Hashable, Codable {
    /// What is at the path.
    public enum Presence: Sendable, Hashable, Codable {
        /// Nothing: no process of that cgroup runs (a stopped sandbox); there is nothing to freeze.
        case absent
        /// A cgroup directory with a freezer.
        case cgroup(version: CgroupVersion, state: FreezerState)
        /// Something that cannot be frozen: not on a cgroup filesystem, a hierarchy root, no freezer.
        case unusable(reason: String)
    }

    /// The directory, as the spec names it.
    public var path: String
    /// What is there.
    public var presence: Presence

    /// Creates an observation.
    public init(path: String, presence: Presence) {
        self.path = path
        self.presence = presence
    }

    /// The freezer state, when the path is a usable cgroup.
    public var state: FreezerState? {
        if case .cgroup(_, let state) = presence { return state }
        return nil
    }
}

/// The sandbox's cgroups and what an interrupted checkpoint may have left frozen.
public struct QuiesceObservation: Sendable, Hashable, Codable {
    /// Each cgroup of the spec's `checkpoints.quiesce.cgroups`, in spec order.
    public var cgroups: [CgroupObservation]
    /// The cgroups juicectl froze for a checkpoint that did not record their thaw (juicectl was killed and its
    /// watchdog could not thaw them); `nil` when there is no such record.
    public var leftFrozen: [String]?
    /// A checkpoint is freezing the sandbox right now (its freeze lock is held).
    public var checkpointInProgress: Bool

    /// Creates an observation.
    public init(cgroups: [CgroupObservation] = [], leftFrozen: [String]? = nil, checkpointInProgress: Bool = false) {
        self.cgroups = cgroups
        self.leftFrozen = leftFrozen
        self.checkpointInProgress = checkpointInProgress
    }

    /// The cgroups that are frozen or freezing now.
    public var frozenNow: [String] {
        cgroups.filter { $0.state == .frozen || $0.state == .freezing }.map(\.path)
    }
}
