package import JuiceCtlCore

extension Action.Payload {
    /// A payload of `kind` for tests that only care about the kind: where the kind carries data, a placeholder that
    /// names `target` (a 1 GiB quota on it, a checkpoint of that name, a staging leftover there, an empty lineage
    /// there); unmounts are not forced, remounts name no flag.
    package static func placeholder(_ kind: Action.Kind, target: String) -> Self {
        switch kind {
        case .format: .format
        case .mount: .mount
        case .remountInPlace: .remountInPlace(changedFlags: nil)
        case .remount: .remount(changedFlags: nil)
        case .recoverStaleMount: .recoverStaleMount
        case .unmount: .unmount(forceAllowed: false)
        case .flushStaging: .flushStaging
        case .createDirectory: .createDirectory
        case .secureDirectory: .secureDirectory
        case .setQuota: .setQuota(VolumeSpec.Quota(path: target, capacity: .gibibytes(1), inodes: nil))
        case .removeQuota: .removeQuota
        case .createCheckpoint: .createCheckpoint(.init(name: target))
        case .deleteCheckpoint: .deleteCheckpoint(.init(name: target))
        case .restore: .restore(.init(name: target))
        case .resumeRestore: .resumeRestore(.init(name: target))
        case .removeLeftover: .removeLeftover(Leftover(path: target, kind: .staging))
        case .repairBookkeeping: .repairBookkeeping(BookkeepingDamage(kind: .lineageEmpty, path: target, detail: "the file is empty"))
        case .thawOverlay: .thawOverlay
        case .thawCgroups: .thawCgroups
        case .createOverlayImage: .createOverlayImage
        case .quarantineOverlayImage: .quarantineOverlayImage
        case .mountOverlayUpper: .mountOverlayUpper
        case .mountOverlay: .mountOverlay
        case .unmountOverlay: .unmountOverlay(forceAllowed: false)
        case .unmountOverlayUpper: .unmountOverlayUpper(forceAllowed: false)
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
