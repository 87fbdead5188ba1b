/// How the actions of a plan depend on each other: the one graph that the planner orders a plan by and that the
/// reconciler holds actions back by.
///
/// A plan is built in ``Stage`` order, each stage standing on what the earlier ones set up (the volume's owner, its
/// metadata, its replication, its mount, and so on). The actions run in the order they are planned. When one fails,
/// its ``Reach`` says which of the later ones are not run: those that need what it was to set up.
public enum ActionDependencies {
    /// The sections of an `apply` plan, in the order the planner plans them and the executor runs them.
    ///
    /// A stage that cannot be planned (a blocking conflict) leaves the later stages unplanned, as a failed action
    /// whose reach is ``Reach/everything`` leaves the later actions unrun.
    public enum Stage: Int, CaseIterable, Comparable, Sendable {
        /// Cgroups a stopped checkpoint left frozen are thawed before anything else.
        case thawCgroups
        /// The volume's owner: claimed before anything writes, or this host fenced.
        case ownership
        /// The spec's inputs on the host (the overlay's lower directories); no action, a gate only.
        case inputs
        /// The metadata: restored from the replica, or formatted.
        case metadata
        /// Litestream replicates the metadata before the mount writes to it.
        case backup
        /// The JuiceFS mount (and the mounts juicectl made elsewhere earlier).
        case mount
        /// The overlay image's filesystem a stopped checkpoint left frozen.
        case thaw
        /// The volume's root and juicectl's directories, made safe to act in as root.
        case guards
        /// What an interrupted checkpoint or restore left: bookkeeping, a restore to finish, leftovers.
        case checkpointRecovery
        /// The declared directories.
        case directories
        /// The declared quotas, and those juicectl set that the spec no longer declares.
        case quotas
        /// The overlay: image, its loop mount, the overlay.
        case overlay
        /// A restore the spec requests.
        case restoreRequest
        /// Scheduled checkpoints and retention.
        case schedule

        public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What the failure of an action holds back among the actions planned after it.
    public enum Reach: Sendable, Hashable {
        /// Every later action: it sets up what they all stand on.
        case everything
        /// The later actions of these kinds.
        case kinds(Set<Action.Kind>)
        /// The later actions on its target or below it (unmounts excepted).
        case within
        /// Nothing: the later actions do not need it.
        case nothing
    }

    /// The overlay's chain, image → loop mount → overlay: a broken link stops the rest of the chain.
    static let overlayChain: Set<Action.Kind> = [
        .quarantineOverlayImage, .createOverlayImage, .mountOverlayUpper, .mountOverlay, .unmountOverlayUpper,
    ]

    /// The stage `kind` is planned in by `apply`; `nil` for a kind only `down` plans.
    public static func stage(of kind: Action.Kind) -> Stage? {
        switch kind {
        case .thawCgroups: .thawCgroups
        case .claimOwnership, .fenceVolume: .ownership
        case .releaseOwnership: nil
        case .format, .restoreMetadata, .refreshMetadata: .metadata
        case .startBackup, .restartBackup, .stopBackup: .backup
        case .mount, .remount, .remountInPlace, .recoverStaleMount, .flushStaging, .unmount: .mount
        case .thawOverlay: .thaw
        case .secureDirectory: .guards
        case .repairBookkeeping, .resumeRestore, .removeLeftover: .checkpointRecovery
        case .createDirectory: .directories
        case .setQuota, .removeQuota: .quotas
        case .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper, .mountOverlay, .unmountOverlay,
            .unmountOverlayUpper, .detachLoopDevice:
            .overlay
        case .restore: .restoreRequest
        case .createCheckpoint, .deleteCheckpoint: .schedule
        }
    }

    /// What a failed action of `kind` holds back among the later actions.
    public static func reach(of kind: Action.Kind) -> Reach {
        switch kind {
        case .format, .mount, .remount, .recoverStaleMount, .secureDirectory, .restore, .resumeRestore, .restoreMetadata,
            .refreshMetadata, .claimOwnership:
            return .everything
        case .flushStaging:
            // Blocks not yet uploaded exist only here: nothing unmounts, changes the cache directory, stops the
            // replication or releases the volume until they are in the object storage.
            return .everything
        case .startBackup, .restartBackup:
            // Nothing writes before replication runs: a failed start stops the mount (and all after it).
            return .everything
        case .stopBackup:
            // A failed final sync keeps the ownership: the replica may lack what this host wrote last.
            return .kinds([.releaseOwnership])
        case .unmount:
            // down stops Litestream last: a volume its unmount left mounted can still be written, so it keeps replicating.
            return .kinds([.stopBackup, .releaseOwnership])
        case .repairBookkeeping:
            // Checkpoints and restores read the lineage and refuse while a journal is there.
            return .kinds([.createCheckpoint, .deleteCheckpoint, .restore, .resumeRestore, .removeLeftover])
        case .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper, .unmountOverlay, .unmountOverlayUpper:
            return .kinds(overlayChain.subtracting([kind]))
        case .createDirectory:
            return .within
        case .remountInPlace, .removeQuota, .setQuota, .createCheckpoint, .deleteCheckpoint, .removeLeftover,
            .detachLoopDevice, .thawOverlay, .thawCgroups, .releaseOwnership, .fenceVolume, .mountOverlay:
            return .nothing
        }
    }

    /// Whether `action`, planned after `prerequisite`, needs it to have succeeded.
    public static func depends(_ action: Action, on prerequisite: Action) -> Bool {
        switch reach(of: prerequisite.kind) {
        case .everything: true
        case .kinds(let kinds): kinds.contains(action.kind)
        case .within: action.kind != .unmount && HostPath.isWithin(action.target, prerequisite.target)
        case .nothing: false
        }
    }

    /// The order `down` takes a volume apart in: thawed first, the overlay before the image's loop mount before the
    /// volume, staged blocks uploaded before the unmount, Litestream stopped after it, the ownership released last.
    public static let teardown: [Action.Kind] = [
        .thawCgroups, .thawOverlay, .unmountOverlay, .unmountOverlayUpper, .detachLoopDevice, .flushStaging, .unmount,
        .stopBackup, .releaseOwnership,
    ]

    /// `actions` in ``teardown`` order (stable: actions of one kind keep their order; a kind the list does not name
    /// goes last). `down`'s plan is put in this order, so that the order lives here only.
    public static func inTeardownOrder(sorting actions: [Action]) -> [Action] {
        let rank = { (kind: Action.Kind) in teardown.firstIndex(of: kind) ?? teardown.count }
        return actions.enumerated().sorted { (rank($0.element.kind), $0.offset) < (rank($1.element.kind), $1.offset) }.map(\.element)
    }

    /// Whether `actions` follow ``teardown`` (what every `down` plan does).
    public static func inTeardownOrder(_ actions: [Action]) -> Bool {
        let ranks = actions.map { teardown.firstIndex(of: $0.kind) ?? teardown.count }
        return zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 }
    }

    /// Whether `actions` follow the stages in order (what every `apply` plan does).
    public static func inStageOrder(_ actions: [Action]) -> Bool {
        let stages = actions.compactMap { stage(of: $0.kind) }
        return zip(stages, stages.dropFirst()).allSatisfy { $0 <= $1 }
    }
}
