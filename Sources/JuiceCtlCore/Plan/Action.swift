/// One step of a plan: what to do, to what, why, and what it costs the volume's users.
///
/// What the step does is its ``payload``: one case per kind, carrying what only that kind needs (a quota step its
/// quota, a checkpoint step its request), so that a step without what it needs cannot be built. Its JSON form
/// (Action+Codable.swift) keeps the flat keys `kind`, `quota`, `changedFlags`, `checkpoint`, ...
public struct Action: Sendable, Hashable {
    /// What the step does. Each kind has one executor step in the JuiceCtl module.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// `juicefs format` a new volume.
        case format
        /// `juicefs mount` the volume in the background and verify readiness.
        case mount
        /// Re-run `juicefs mount` on the live mount point: the new client takes the FUSE session over.
        case remountInPlace = "remount-in-place"
        /// Unmount, then mount again (FUSE-level option changes, stacked mounts).
        case remount
        /// Detach a mount that no longer answers, then mount again.
        case recoverStaleMount = "recover-stale-mount"
        /// Unmount the volume from a mount point the spec no longer names (or, for `down`, from its mount point).
        case unmount
        /// Upload every block the writeback client staged on this host (a new client with no upload delay takes the
        /// session over and uploads them), and wait, bounded, until none is left: before `down` unmounts, before a
        /// change of the cache directory, and for a durable checkpoint.
        case flushStaging = "flush-staging"
        /// Create a directory on the volume.
        case createDirectory = "create-directory"
        /// Give the volume root or one of juicectl's directories on it owner root and its mode (the root 0755,
        /// the bookkeeping 0700), through a descriptor.
        case secureDirectory = "secure-directory"
        /// Set or change a directory quota, then verify it with `juicefs quota get`.
        case setQuota = "set-quota"
        /// Remove a directory quota juicectl set earlier.
        case removeQuota = "remove-quota"
        /// Clone `/active` into a new checkpoint.
        case createCheckpoint = "create-checkpoint"
        /// Remove a checkpoint (retention, or `checkpoint delete`).
        case deleteCheckpoint = "delete-checkpoint"
        /// Make `/active` a clone of a checkpoint, keeping the replaced tree as a pre-restore checkpoint.
        case restore
        /// Complete (after the swap) or roll back (before it) a restore that did not finish.
        case resumeRestore = "resume-restore"
        /// Remove what an interrupted create or delete left behind.
        case removeLeftover = "remove-leftover"
        /// Repair damaged bookkeeping: rebuild `lineage.json` from the manifests, or move an undecodable restore
        /// journal aside (kept) once `/active` is a directory, keeping each restore clone in staging as a checkpoint.
        case repairBookkeeping = "repair-bookkeeping"
        /// Thaw the image's filesystem that juicectl froze and did not thaw (it was killed while frozen).
        case thawOverlay = "thaw-overlay"
        /// Thaw the sandbox's cgroups that juicectl froze for a checkpoint and did not thaw (it was killed and its
        /// watchdog could not).
        case thawCgroups = "thaw-cgroups"
        /// Make the sparse ext4 image.
        case createOverlayImage = "create-overlay-image"
        /// Move an image that does not mount aside (never deleted).
        case quarantineOverlayImage = "quarantine-overlay-image"
        /// Loop-mount the image at its mount point (`nosuid,nodev` unless the spec allows them); as an update, set the
        /// spec's per-mount flags on the mounted image in place.
        case mountOverlayUpper = "mount-overlay-upper"
        /// Mount the overlay at its target.
        case mountOverlay = "mount-overlay"
        /// Unmount the overlay (before its upper layer, or because the spec changed).
        case unmountOverlay = "unmount-overlay"
        /// Unmount the image (the loop device detaches with it).
        case unmountOverlayUpper = "unmount-overlay-upper"
        /// Detach a loop device nothing mounts.
        case detachLoopDevice = "detach-loop-device"
        /// Restore the metadata database from the Litestream replica.
        case restoreMetadata = "restore-metadata"
        /// Another host owned the volume since this host last did: move the local metadata database aside (kept) and
        /// restore the replica's, which is newer.
        case refreshMetadata = "refresh-metadata"
        /// Write the Litestream configuration and start `litestream replicate`.
        case startBackup = "start-backup"
        /// Restart Litestream with a changed configuration.
        case restartBackup = "restart-backup"
        /// Sync the replica one last time and stop Litestream.
        case stopBackup = "stop-backup"
        /// Make this host the volume's one owner (the record in the replica location), before anything writes.
        case claimOwnership = "claim-ownership"
        /// Mark the volume released, after `down`'s final sync, so that another host may own it.
        case releaseOwnership = "release-ownership"
        /// Another host owns the volume: stop this host's Litestream and juicefs client at once (no final sync, no
        /// upload) and detach its mounts, so that nothing more is written from here.
        case fenceVolume = "fence-volume"
    }

    /// For checkpoint actions: which checkpoint, and how.
    public struct CheckpointRequest: Sendable, Hashable, Codable {
        /// The checkpoint's name.
        public var name: String
        /// For create: its kind.
        public var kind: CheckpointKind
        /// For create: a note.
        public var note: String?
        /// For create: pin it.
        public var pinned: Bool
        /// For create: labels.
        public var labels: [String: String]
        /// For delete: remove even a pinned checkpoint.
        public var force: Bool
        /// For restore: the declarative request it serves.
        public var requestId: String?
        /// For restore: terminate the processes that use `/active` (SIGTERM, then SIGKILL after ``grace``) instead
        /// of refusing.
        public var terminateUsers = false
        /// For create: done only once the checkpoint survives the loss of this host (its metadata in the replica, no
        /// block it references only staged here).
        public var durable = false
        /// For restore with ``terminateUsers``: the time between SIGTERM and SIGKILL.
        public var grace: TimeSpan = VolumeSpec.RestoreRequest.defaultGrace

        /// Creates a request.
        public init(
            name: String, kind: CheckpointKind = .manual, note: String? = nil, pinned: Bool = false,
            labels: [String: String] = [:], force: Bool = false, requestId: String? = nil
        ) {
            self.name = name
            self.kind = kind
            self.note = note
            self.pinned = pinned
            self.labels = labels
            self.force = force
            self.requestId = requestId
        }
    }

    /// The kind of change, as Terraform shows it.
    public enum Change: String, Sendable, Hashable, Codable {
        /// `+` something new.
        case create
        /// `~` something changed in place.
        case update
        /// `-/+` something taken down and brought up again.
        case replace
        /// `-` something removed.
        case delete

        /// `+`, `~`, `-/+` or `-`.
        public var symbol: String {
            switch self {
            case .create: "+"
            case .update: "~"
            case .replace: "-/+"
            case .delete: "-"
            }
        }
    }

    /// What a step costs the volume's users while it runs.
    public enum Disruption: String, Sendable, Hashable, Codable {
        /// Nothing visible.
        case none
        /// A new juicefs client takes the FUSE session over; open files stay open, running `juicefs rmr`/`clone`
        /// commands are interrupted.
        case brief
        /// The mount point goes away and comes back; fails while files are open.
        case interrupting
    }

    /// What the step does, with what that kind of step needs.
    public var payload: Payload
    /// The kind of step (the payload's).
    public var kind: Kind { payload.kind }
    /// How it changes things.
    public var change: Change
    /// What it acts on: a volume name, a mount point, a path on the volume.
    public var target: String
    /// Why the planner chose it, in words an operator understands.
    public var reason: String
    /// What it costs the volume's users.
    public var disruption: Disruption
    /// True when the planner could not see whether the step is needed (the volume was not mounted): the executor
    /// checks first and skips it when it is already satisfied.
    public var conditional: Bool

    /// Creates an action.
    public init(
        _ payload: Payload, _ change: Change, target: String, reason: String, disruption: Disruption = .none,
        conditional: Bool = false
    ) {
        self.payload = payload
        self.change = change
        self.target = target
        self.reason = reason
        self.disruption = disruption
        self.conditional = conditional
    }
}

/// Something the planner will not resolve by itself: a refusal or a difference that needs a person.
public struct Conflict: Sendable, Hashable, Codable {
    /// A stable code machines can key on, e.g. `FormatSettingChanged`, `RefuseFormatOverData`.
    public var code: ConflictCode
    /// What it concerns: a spec key or a path.
    public var target: String
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String?
    /// Whether it stops the steps that depend on it (a refused format stops everything).
    public var blocking: Bool

    /// Creates a conflict.
    public init(code: ConflictCode, target: String, message: String, hint: String? = nil, blocking: Bool) {
        self.code = code
        self.target = target
        self.message = message
        self.hint = hint
        self.blocking = blocking
    }
}

/// The plan for one volume.
public struct VolumePlan: Sendable, Hashable, Codable {
    /// The spec it converges.
    public var spec: VolumeSpec
    /// Ordered steps.
    public var actions: [Action]
    /// What the planner refuses or cannot fix.
    public var conflicts: [Conflict]
    /// The metadata engine's client sessions, when they were observed (see ``VolumeObservation/sessions``).
    public var sessions: [ClientSession]?
    /// What the plan leaves alone on purpose, and why (a checkpoint kept while in use).
    public var notes: [PlanNote] = []

    /// Creates a plan.
    public init(spec: VolumeSpec, actions: [Action], conflicts: [Conflict], sessions: [ClientSession]? = nil) {
        self.spec = spec
        self.actions = actions
        self.conflicts = conflicts
        self.sessions = sessions
    }

    /// Whether there is nothing to do and nothing in the way.
    public var isConverged: Bool { actions.isEmpty && conflicts.isEmpty }

    /// Whether the plan changes nothing (it may still hold conflicts).
    public var hasActions: Bool { !actions.isEmpty }
}
