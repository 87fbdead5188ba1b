internal import JuiceCtlCore

extension Executor {
    /// Runs `body` holding the volume's shared lock when other hosts may mount the volume (a Redis or PostgreSQL
    /// engine): the host's own lock only keeps this host's commands apart. JuiceFS locks are global across all
    /// clients, so a `flock` on a file on the volume serialises every host's checkpoint, restore and retention.
    /// SQLite metadata lives on this host, so no other host can mount the volume and the host lock suffices.
    func withSharedLock<T: Sendable>(_ spec: VolumeSpec, operation: String, _ body: () async throws -> T) async throws -> T {
        guard spec.metadata.engine != .sqlite else { return try await body() }
        // Opened through descriptors from the mount root: never a planted link, never a file with another owner.
        try await VolumeFiles(host: host, mountPath: spec.mount.path).makeDirectories(VolumeLayout.bookkeeping)
        let lock = try await host.volumeLock(
            VolumeLayout.sharedLock, below: spec.mount.path, operation: "\(operation) (\(spec.name))",
            timeout: sharedLockTimeout)
        defer { lock.release() }
        return try await body()
    }
}
