extension Action {
    /// What a step does, carrying what only that kind of step needs. Each case is one ``Kind`` (documented there):
    /// a quota step cannot be built without its quota, nor a checkpoint step without its request, so the executor
    /// never finds one missing.
    public enum Payload: Sendable, Hashable {
        /// ``Kind/format``.
        case format
        /// ``Kind/mount``.
        case mount
        /// ``Kind/remountInPlace``, with the mount flags that changed (`nil` when the client is replaced for
        /// another reason).
        case remountInPlace(changedFlags: [String]?)
        /// ``Kind/remount``, with the mount flags that changed (`nil` for stacked mounts).
        case remount(changedFlags: [String]?)
        /// ``Kind/recoverStaleMount``.
        case recoverStaleMount
        /// ``Kind/unmount``; `forceAllowed`: a busy mount may be detached lazily (`juicefs umount --force`) after the
        /// graceful unmount failed (set by `down`, never by `apply`).
        case unmount(forceAllowed: Bool)
        /// ``Kind/flushStaging``.
        case flushStaging
        /// ``Kind/createDirectory``.
        case createDirectory
        /// ``Kind/secureDirectory``.
        case secureDirectory
        /// ``Kind/setQuota``: the quota to set.
        case setQuota(VolumeSpec.Quota)
        /// ``Kind/removeQuota``.
        case removeQuota
        /// ``Kind/createCheckpoint``: which checkpoint, and how.
        case createCheckpoint(CheckpointRequest)
        /// ``Kind/deleteCheckpoint``: which checkpoint, and whether even a pinned one.
        case deleteCheckpoint(CheckpointRequest)
        /// ``Kind/restore``: which checkpoint, and what to do with the users of `/active`.
        case restore(CheckpointRequest)
        /// ``Kind/resumeRestore``: the checkpoint and request of the restore that did not finish (shown; the executor
        /// reads the journal).
        case resumeRestore(CheckpointRequest)
        /// ``Kind/removeLeftover``: what the leftover is.
        case removeLeftover(Leftover)
        /// ``Kind/repairBookkeeping``: the damage, with the trees as observed (the executor re-checks them).
        case repairBookkeeping(BookkeepingDamage)
        /// ``Kind/thawOverlay``.
        case thawOverlay
        /// ``Kind/thawCgroups``.
        case thawCgroups
        /// ``Kind/createOverlayImage``.
        case createOverlayImage
        /// ``Kind/quarantineOverlayImage``.
        case quarantineOverlayImage
        /// ``Kind/mountOverlayUpper``.
        case mountOverlayUpper
        /// ``Kind/mountOverlay``.
        case mountOverlay
        /// ``Kind/unmountOverlay``; `forceAllowed` as for ``unmount(forceAllowed:)``.
        case unmountOverlay(forceAllowed: Bool)
        /// ``Kind/unmountOverlayUpper``; `forceAllowed` as for ``unmount(forceAllowed:)``.
        case unmountOverlayUpper(forceAllowed: Bool)
        /// ``Kind/detachLoopDevice``.
        case detachLoopDevice
        /// ``Kind/restoreMetadata``.
        case restoreMetadata
        /// ``Kind/refreshMetadata``.
        case refreshMetadata
        /// ``Kind/startBackup``.
        case startBackup
        /// ``Kind/restartBackup``.
        case restartBackup
        /// ``Kind/stopBackup``.
        case stopBackup
        /// ``Kind/claimOwnership``.
        case claimOwnership
        /// ``Kind/releaseOwnership``.
        case releaseOwnership
        /// ``Kind/fenceVolume``.
        case fenceVolume

        /// The kind of step this payload is.
        /// The payloads of the kinds that carry no data: one for each such kind.
        public static let withoutData: [Payload] = [
            .format, .mount, .recoverStaleMount, .flushStaging, .createDirectory, .secureDirectory, .removeQuota, .thawOverlay,
            .thawCgroups, .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper, .mountOverlay, .detachLoopDevice,
            .restoreMetadata, .refreshMetadata, .startBackup, .restartBackup, .stopBackup, .claimOwnership, .releaseOwnership,
            .fenceVolume,
        ]

        /// The payload of `kind` when that kind carries no data; `nil` for a kind that needs some.
        public init?(withoutData kind: Kind) {
            guard let payload = Self.withoutData.first(where: { $0.kind == kind }) else { return nil }
            self = payload
        }

        public var kind: Kind {
            switch self {
            case .format: .format
            case .mount: .mount
            case .remountInPlace: .remountInPlace
            case .remount: .remount
            case .recoverStaleMount: .recoverStaleMount
            case .unmount: .unmount
            case .flushStaging: .flushStaging
            case .createDirectory: .createDirectory
            case .secureDirectory: .secureDirectory
            case .setQuota: .setQuota
            case .removeQuota: .removeQuota
            case .createCheckpoint: .createCheckpoint
            case .deleteCheckpoint: .deleteCheckpoint
            case .restore: .restore
            case .resumeRestore: .resumeRestore
            case .removeLeftover: .removeLeftover
            case .repairBookkeeping: .repairBookkeeping
            case .thawOverlay: .thawOverlay
            case .thawCgroups: .thawCgroups
            case .createOverlayImage: .createOverlayImage
            case .quarantineOverlayImage: .quarantineOverlayImage
            case .mountOverlayUpper: .mountOverlayUpper
            case .mountOverlay: .mountOverlay
            case .unmountOverlay: .unmountOverlay
            case .unmountOverlayUpper: .unmountOverlayUpper
            case .detachLoopDevice: .detachLoopDevice
            case .restoreMetadata: .restoreMetadata
            case .refreshMetadata: .refreshMetadata
            case .startBackup: .startBackup
            case .restartBackup: .restartBackup
            case .stopBackup: .stopBackup
            case .claimOwnership: .claimOwnership
            case .releaseOwnership: .releaseOwnership
            case .fenceVolume: .fenceVolume
            }
        }
    }
}

// MARK: Reading the payload

/// What the payload carries, read by kind-independent code (renderers, the JSON form, tests); the executor switches
/// on ``Action/payload`` instead.
extension Action {
    /// For ``Kind/setQuota``: the quota to set.
    public var quota: VolumeSpec.Quota? {
        if case .setQuota(let quota) = payload { quota } else { nil }
    }

    /// For remounts: the flags that changed.
    public var changedFlags: [String]? {
        switch payload {
        case .remountInPlace(let flags), .remount(let flags): flags
        default: nil
        }
    }

    /// For checkpoint actions: the checkpoint.
    public var checkpoint: CheckpointRequest? {
        switch payload {
        case .createCheckpoint(let request), .deleteCheckpoint(let request), .restore(let request), .resumeRestore(let request):
            request
        default: nil
        }
    }

    /// For ``Kind/removeLeftover``: what the leftover is.
    public var leftover: Leftover? {
        if case .removeLeftover(let leftover) = payload { leftover } else { nil }
    }

    /// For ``Kind/repairBookkeeping``: the damage.
    public var damage: BookkeepingDamage? {
        if case .repairBookkeeping(let damage) = payload { damage } else { nil }
    }

    /// For unmounts: whether a busy mount may be detached lazily; false for every other kind.
    public var forceAllowed: Bool {
        switch payload {
        case .unmount(let force), .unmountOverlay(let force), .unmountOverlayUpper(let force): force
        default: false
        }
    }
}
