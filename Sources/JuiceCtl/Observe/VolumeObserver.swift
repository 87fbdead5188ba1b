internal import Foundation
package import JuiceCtlCore

/// Reads the host and the volume into a ``VolumeObservation``, cheapest sources first.
///
/// A converged, mounted volume is observed without running `juicefs` at all: mountinfo, a deadline-bounded
/// `stat` of the mount point, the mount's `.config`, `/proc/<pid>/cmdline` and `statfs` answer everything.
/// `juicefs status` is asked only when the volume is not mounted (and its SQLite file exists: juicefs would create
/// it otherwise), `juicefs quota` only when `statfs` disagrees with the spec or the volume is not mounted.
/// Observation runs for real also in dry-run: only mutations are simulated.
///
/// Each feature is observed in its own file, as it is planned (`PlanBuilder+X`) and executed (`Executor+X`):
/// `VolumeObserver+Mount`, `+Storage` (metadata engine and object storage), `+Directories`, `+Backup`, `+Overlay`,
/// `+Catalog` (checkpoints), `+Quotas`, `+Guard`, `+Ownership`, `+Quiesce`, `+Staging` and `+TreeUsers`. This file
/// composes them; one observation reads the clock's date once, and every part is judged against that instant.
package struct VolumeObserver: Sendable {
    let host: any HostProbing
    /// The juicefs wrapper the observer reads with.
    let juicefs: JuiceFSClient
    /// Lists a replica that is not on this host; `nil`: such a replica is never listed.
    let litestream: LitestreamClient?
    /// Deadline of each probe that touches the FUSE mount.
    package var probeDeadline: Duration
    /// Builds a volume's ownership protocol (reads its record); `nil`: ownership is never read.
    package var ownership: OwnershipFactory?
    /// What an observation is stamped with (its date, read once) and what its probes are timed with.
    package var clock: HostClock

    /// Creates an observer.
    package init(
        host: any HostProbing, juicefs: JuiceFSClient, litestream: LitestreamClient? = nil, probeDeadline: Duration = .seconds(2),
        clock: HostClock = .system
    ) {
        self.host = host
        self.juicefs = juicefs
        self.litestream = litestream
        self.probeDeadline = probeDeadline
        self.clock = clock
    }

    /// Observes the volume `spec` describes.
    ///
    /// - Parameters:
    ///   - fullCatalog: read every checkpoint's manifest even when the spec declares no schedule or retention (for
    ///     `checkpoint list` and checkpoint commands).
    ///   - sessions: list the engine's client sessions (other hosts' mounts) also when the volume is mounted here,
    ///     which costs one `juicefs status` (for `plan`).
    ///   - replicaPosition: list an S3 replica also when the metadata is there, which costs one `litestream ltx`
    ///     against the store (for `status` and `run`; a file replica is always read, from its directory).
    ///   - ownership: when to read the ownership record of a volume another host could pick up.
    package func observe(
        _ spec: VolumeSpec, fullCatalog: Bool = false, sessions: Bool = false,
        replicaPosition: Bool = false, ownership check: OwnershipCheck = .whenStarting
    ) async -> VolumeObservation {
        let now = clock.date()
        var recorder = ProbeRecorder(clock: clock)
        let state = recorder.measure("state file") { StateStore(stateDir: spec.stateDir, host: host).load() }

        let entries = recorder.measure("mountinfo") { mountEntries() }
        let (mount, mountConfig) = await mountState(spec, entries: entries, recorded: state.mountClient, recorder: &recorder)
        let (metadata, statusSessions) = await observeMetadata(spec, mount: mount, recorder: &recorder)
        let storage = recorder.measure("object storage") { observeStorage(spec) }

        var observation = VolumeObservation(
            metadata: metadata, storage: storage, mount: mount,
            formerMountPaths: Self.formerMountPaths(spec, recorded: state.mountPaths, entries: entries),
            managedQuotaPaths: state.quotas.keys.sorted(), now: now)
        observation.overlay = await observeOverlay(spec, state: state, entries: entries, live: mount.live != nil, recorder: &recorder)
        observation.backup = recorder.measure("litestream") { observeBackup(spec, now: now) }
        observation.quiesce = recorder.measure("cgroups") { observeQuiesce(spec) }
        // Only a live mount counts as running here: a stale one is about to be started again, so the record is read.
        observation.ownership = await recorder.measure("ownership record") {
            await observeOwnership(spec, check: check, runsHere: mount.live != nil)
        }
        if var backup = observation.backup, let settings = spec.backup, case .s3 = settings.replica {
            let needed = replicaPosition || metadata == .missing || metadata == .unformatted
            await recorder.measureStep("litestream ltx") {
                await observeRemoteReplica(settings, into: &backup, listed: needed, now: now)
            }
            observation.backup = backup
        }
        if case .holdsVolume = storage, metadata == .missing || metadata == .unformatted {
            observation.interruptedFormat = recorder.measure("format intent") { isInterruptedFormat(spec) }
        }
        if let live = mount.live {
            let (directories, unanswered) = await observeDirectories(spec, recorder: &recorder)
            observation.directories = directories
            if let unanswered {
                // The root answered from the kernel's cache, the tree does not: the client runs but waits for its
                // metadata engine or object storage. Nothing more is probed, and nothing is planned on guesses.
                observation.mount = .unresponsive(
                    reason: "stat \(unanswered): no answer within \(probeDeadline.milliseconds) ms", pid: live.pid)
                observation.probes = recorder.records
                return observation
            }
            observation.guards = await recorder.measure("volume guards") { await observeGuards(spec) }
            // Nothing is read through an entry someone else could have planted: the plan names it instead.
            if let guards = observation.guards, guards.unsafe.isEmpty {
                let full = fullCatalog || spec.checkpoints.schedule != nil || spec.checkpoints.retain != nil
                let catalog = await observeCatalog(spec, full: full, recorder: &recorder)
                observation.catalog = catalog
                let trees = Self.treesToAsk(spec, catalog: catalog, now: now)
                if !trees.isEmpty {
                    observation.treeUsers = await recorder.measure("tree users") { await treeUsers(spec, trees: trees) }
                }
            }
            observation.staging = await recorder.measure("staging") {
                await observeStaging(spec, live: live, recorded: state.mountClient, now: now)
            }
            observation.quotas = await observeQuotas(
                spec, state: state, directories: observation.directories, mountConfig: mountConfig, now: now, recorder: &recorder)
        } else if case .formatted = metadata {
            observation.quotas = await recorder.measure("juicefs quota list") { try? await juicefs.quotaList(spec.metadata) }
        }
        observation.sessions = await observeSessions(spec, read: statusSessions, wanted: sessions, mount: mount, recorder: &recorder)
        observation.restoreShortfall = state.restoreShortfall
        observation.probes = recorder.records
        return observation
    }
}
