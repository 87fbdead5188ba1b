internal import JuiceCtlCore

extension VolumeObserver {
    /// The volume root and juicectl's own directories and files on it, by `lstat` through descriptors (no link
    /// followed); `nil` when the root does not answer within the probe deadline.
    func observeGuards(_ spec: VolumeSpec) async -> VolumeGuardObservation? {
        await host.guardedEntries(
            VolumeLayout.guardedDirectories + VolumeLayout.guardedFiles, below: spec.mount.path,
            deadline: probeDeadline)
    }
}
