internal import Foundation
public import JuiceCtlCore
public import Logging

/// One reconcile pass for a volume: lock → observe → plan → apply, repeated while it makes progress, then a final
/// observation that says whether the volume converged. The CLI, the library API and (later) the daemon all use it.
public struct Reconciler: Sendable {
    /// Tunables.
    public struct Configuration: Sendable {
        /// How long a run waits for another run on the same volume before failing with the holder's name.
        public var lockTimeout: Duration = .seconds(60)
        /// Most observe → plan → apply rounds in one run (a round can reveal work the previous one could not see,
        /// such as directories of a volume that was not mounted).
        public var maxRounds = 4
        /// Who runs: `cli`, `run` or `library`; recorded in the event log.
        public var actor = "library"
        /// Read every checkpoint's manifest on each observation, also without a schedule or retention (the
        /// reconciler daemon reports checkpoint counts and ages).
        public var fullCatalog = false
        /// Read an S3 replica's position on each observation (one `litestream ltx` against the store), also when
        /// the metadata is there; the daemon reports backup freshness from it. A file replica is always read.
        public var replicaPosition = false
        /// Asked between actions: once it answers true, no further action starts (the one running finishes) and
        /// the run ends as interrupted. The daemon sets it on SIGTERM.
        public var shouldStop: @Sendable () -> Bool = { false }
        /// Record actions in the volume's event log.
        public var recordEvents = true
        /// When `apply` reads a movable volume's ownership record: on every run by default (one read of the record:
        /// a host that was fenced must learn it, also when a timer runs `apply`), or only before it would start the
        /// volume.
        public var ownershipCheck: OwnershipCheck = .always
        /// How long a flush of the writeback staging (before `down` unmounts, before a cache directory changes, for
        /// a durable checkpoint) waits for the staged blocks to be uploaded before it fails (`down --flush-timeout`).
        public var flushTimeout: Duration = .seconds(600)

        /// Defaults.
        public init() {}
    }

    /// What a run did.
    public struct Report: Sendable, Codable {
        /// The spec.
        public var spec: VolumeSpec
        /// Every action run, in order.
        public var results: [ActionResult]
        /// What remains after the run: empty actions and no conflicts when converged.
        public var remaining: VolumePlan
        /// How long the run waited for the volume lock, in milliseconds.
        public var lockWaitMilliseconds: Int64
        /// The last observation of the run (what ``remaining`` was planned from).
        public var observation: VolumeObservation?
        /// The spec suspends changes: nothing was run, ``remaining`` is the drift.
        public var suspended = false
        /// A stop request ended the run between actions.
        public var interrupted = false

        /// Creates a report.
        public init(
            spec: VolumeSpec, results: [ActionResult], remaining: VolumePlan, lockWaitMilliseconds: Int64,
            observation: VolumeObservation? = nil, suspended: Bool = false, interrupted: Bool = false
        ) {
            self.spec = spec
            self.results = results
            self.remaining = remaining
            self.lockWaitMilliseconds = lockWaitMilliseconds
            self.observation = observation
            self.suspended = suspended
            self.interrupted = interrupted
        }

        /// Whether the volume is as the spec declares.
        public var converged: Bool { remaining.isConverged && !results.contains(where: \.failed) }
        /// Whether any action failed.
        public var failed: Bool { results.contains(where: \.failed) }
    }

    let host: any HostProbing
    let runner: any CommandRunning
    let tools: Tools
    let observer: VolumeObserver
    let executor: Executor
    let logger: Logger
    /// Tunables.
    public var configuration: Configuration

    /// Creates a reconciler that runs programs through `runner` and reads the host through `host`; long operations
    /// report to `progress`.
    ///
    /// `ownership` replaces the live stores of movable volumes' ownership records (tests).
    public init(
        host: any HostProbing = LiveHost(), runner: any CommandRunning, tools: Tools, logger: Logger,
        configuration: Configuration = Configuration(), progress: any OperationProgress = SilentProgress(),
        ownership: OwnershipFactory? = nil
    ) {
        self.host = host
        self.runner = runner
        self.tools = tools
        self.logger = logger
        self.configuration = configuration
        let juicefs = JuiceFSClient(runner: runner, executable: tools.juicefs)
        var observer = VolumeObserver(
            host: host, juicefs: juicefs, litestream: LitestreamClient(runner: runner, executable: tools.litestream))
        // The executor's factory runs curl through its own runner (where fault injection acts); the observer shares it.
        executor = Executor(host: host, runner: runner, tools: tools, logger: logger, progress: progress, ownership: ownership)
        observer.ownership = executor.ownership
        self.observer = observer
    }

    /// Observes the volume (real reads, no changes).
    public func observe(_ spec: VolumeSpec) async -> VolumeObservation {
        await observer.observe(spec, fullCatalog: configuration.fullCatalog, replicaPosition: true, ownership: .always)
    }

    /// Observes and plans (no changes). With `sessions`, the plan also lists the metadata engine's client sessions
    /// (one more `juicefs status` on a mounted volume).
    ///
    /// With `replicaPosition`, an S3 replica's position is read too (one `litestream ltx` against the store).
    ///
    /// With `ownership`, a movable volume's ownership record is read as it says (by default as the configuration's
    /// ``Configuration/ownershipCheck``).
    public func plan(
        _ spec: VolumeSpec, sessions: Bool = false, replicaPosition: Bool = false,
        ownership: OwnershipCheck? = nil
    ) async -> (plan: VolumePlan, observation: VolumeObservation) {
        let observation = await observer.observe(
            spec, fullCatalog: configuration.fullCatalog, sessions: sessions,
            replicaPosition: replicaPosition || configuration.replicaPosition,
            ownership: ownership ?? configuration.ownershipCheck)
        return (Planner.plan(spec, observation), observation)
    }

    /// Observes and plans `down` (no changes).
    public func planDown(_ spec: VolumeSpec) async -> VolumePlan {
        Planner.planDown(spec, await observer.observe(spec, ownership: .always))
    }

    /// The volume's status: observation, conditions, pending work.
    public func status(_ spec: VolumeSpec) async -> VolumeStatus {
        let (plan, observation) = await plan(spec, replicaPosition: true, ownership: .always)
        return VolumeStatus(spec: spec, observation: observation, plan: plan)
    }

    /// Converges the volume to `spec` under its lock. `onResult` sees each action as it ends.
    ///
    /// - Throws: ``VolumeLock/Busy`` when another run holds the volume past the lock timeout.
    ///
    /// A spec that suspends changes is observed and planned only: the report's ``Report/remaining`` is the drift.
    public func apply(_ spec: VolumeSpec, onResult: @Sendable (ActionResult) -> Void = { _ in }) async throws -> Report {
        if spec.suspend != nil {
            let (plan, observation) = await plan(spec)
            return Report(spec: spec, results: [], remaining: plan, lockWaitMilliseconds: 0, observation: observation, suspended: true)
        }
        return try await locked(spec, operation: "apply") { lockWait in
            let started = Date()
            var results: [ActionResult] = []
            var previous: [Action]?
            var remaining: (plan: VolumePlan, observation: VolumeObservation)?
            var interrupted = false
            for round in 1...configuration.maxRounds {
                let planned = await plan(spec)
                if !planned.plan.hasActions || planned.plan.actions == previous {
                    remaining = planned
                    break
                }
                if configuration.shouldStop() {
                    interrupted = true
                    remaining = planned
                    break
                }
                logger.debug(
                    "round", metadata: ["volume": "\(spec.name)", "round": "\(round)", "actions": "\(planned.plan.actions.count)"])
                previous = planned.plan.actions
                let roundResults = await execute(planned.plan.actions, spec: spec, operation: "apply", onResult: onResult)
                results += roundResults
                if roundResults.contains(where: Self.wasStopped) { interrupted = true }
                if roundResults.contains(where: \.failed) || interrupted { break }
            }
            let final = if let remaining { remaining } else { await plan(spec) }
            if final.plan.isConverged && !results.contains(where: \.failed) && !interrupted {
                try? markDeclaredQuotasManaged(spec)
                // A format whose end was not recorded (killed after juicefs finished) leaves its intent behind.
                if host.fileExists(spec.formatIntentFile) { try? host.removeLocalItem(spec.formatIntentFile) }
            }
            let report = Report(
                spec: spec, results: results, remaining: final.plan, lockWaitMilliseconds: lockWait,
                observation: final.observation, interrupted: interrupted)
            recordRun(report, operation: "apply", started: started)
            return report
        }
    }

    /// Takes the volume down under its lock: unmounts it (graceful first, then forced) and verifies that no mount
    /// is left.
    public func down(_ spec: VolumeSpec, onResult: @Sendable (ActionResult) -> Void = { _ in }) async throws -> Report {
        // Nothing mounted: nothing to lock either (and no state directory to create for a volume that never existed).
        let before = await planDown(spec)
        if before.actions.isEmpty {
            return Report(spec: spec, results: [], remaining: before, lockWaitMilliseconds: 0)
        }
        return try await locked(spec, operation: "down") { lockWait in
            let started = Date()
            let plan = await planDown(spec)
            let results = await execute(plan.actions, spec: spec, operation: "down", onResult: onResult)
            let after = await planDown(spec)
            let report = Report(spec: spec, results: results, remaining: after, lockWaitMilliseconds: lockWait)
            recordRun(report, operation: "down", started: started)
            return report
        }
    }

    // MARK: Ownership

    /// Takes the volume over from an owner that is gone (the operator's word for it): this host owns it with a new
    /// generation, and the old owner is fenced when it comes back. Starts nothing: `apply` does that.
    public func takeover(_ spec: VolumeSpec, onResult: @Sendable (ActionResult) -> Void = { _ in }) async throws -> Report {
        let action = Action(.claimOwnership, .replace, target: spec.name, reason: "takeover requested")
        return try await locked(spec, operation: "takeover") { lockWait in
            let started = Date()
            let clock = ContinuousClock()
            let start = clock.now
            let outcome: ActionResult.Outcome
            do {
                outcome = try await executor.takeOverOwnership(spec)
            } catch {
                outcome = .failed(Executor.describe(error))
            }
            let result = ActionResult(action: action, outcome: outcome, milliseconds: (clock.now - start).milliseconds)
            if configuration.recordEvents {
                EventLog(stateDir: spec.stateDir).append(event(for: result, spec: spec, operation: "takeover"))
            }
            onResult(result)
            let report = Report(
                spec: spec, results: [result], remaining: Planner.plan(spec, await observe(spec)), lockWaitMilliseconds: lockWait)
            recordRun(report, operation: "takeover", started: started)
            return report
        }
    }

    // MARK: Backup

    /// The outcome of `backup verify`.
    public struct BackupVerification: Sendable, Codable {
        /// Whether the replica restored, passed the integrity check and belongs to this volume.
        public var ok: Bool
        /// What was found, or what is wrong.
        public var message: String
        /// The volume UUID in the restored copy.
        public var replicaUUID: String?
        /// The live volume's UUID, when it could be read.
        public var liveUUID: String?
        /// How long the restore took.
        public var restoreMilliseconds: Int64?
    }

    /// Restores the newest replica into a temporary file and checks it (SQLite integrity check, same volume UUID as
    /// the live volume), without touching the live volume.
    public func verifyBackup(_ spec: VolumeSpec) async throws -> BackupVerification {
        guard let backup = spec.backup else {
            return BackupVerification(ok: false, message: "volume \(spec.name) has no backup")
        }
        let litestream = executor.litestream
        _ = try litestream.binary()
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("juicectl-verify-\(UUID().uuidString)").path
        try host.createLocalDirectory(directory, mode: 0o700)
        defer { try? host.removeLocalItem(directory) }
        let copy = "\(directory)/metadata.db"
        let restore = try await litestream.run(
            ["restore", "-integrity-check", "full", "-o", copy, LitestreamClient.replicaURL(backup.replica)],
            backup: backup, timeout: .seconds(3600))
        guard restore.succeeded, host.fileExists(copy) else {
            let reason = restore.succeeded ? "the replica holds nothing" : JuiceFSOutput.errorMessage(restore.stderr)
            return BackupVerification(ok: false, message: "the replica \(backup.replica.display) cannot be restored: \(reason)")
        }
        let juicefs = observer.juicefs
        let replicaUUID: String
        do {
            guard case .formatted(let status) = try await juicefs.status(.sqlite(path: copy)) else {
                return BackupVerification(ok: false, message: "the restored copy passed the integrity check but holds no JuiceFS volume")
            }
            replicaUUID = status.setting.uuid
            guard status.setting.name == spec.name else {
                return BackupVerification(
                    ok: false, message: "the replica holds volume '\(status.setting.name)', not '\(spec.name)'", replicaUUID: replicaUUID)
            }
        } catch {
            return BackupVerification(ok: false, message: "the restored copy cannot be read by juicefs: \(error)")
        }
        var liveUUID: String?
        if case .formatted(let info) = await observer.observe(spec).metadata { liveUUID = info.uuid }
        let milliseconds = restore.duration.milliseconds
        guard let liveUUID else {
            return BackupVerification(
                ok: true,
                message:
                    "the replica restores cleanly (integrity check passed) and holds volume \(spec.name) (UUID \(replicaUUID)); the live volume could not be read to compare",
                replicaUUID: replicaUUID, restoreMilliseconds: milliseconds)
        }
        guard liveUUID == replicaUUID else {
            return BackupVerification(
                ok: false, message: "the replica holds volume UUID \(replicaUUID), the live volume has \(liveUUID)",
                replicaUUID: replicaUUID, liveUUID: liveUUID, restoreMilliseconds: milliseconds)
        }
        return BackupVerification(
            ok: true,
            message:
                "the replica restores cleanly in \(milliseconds) ms, passes the integrity check and holds this volume (UUID \(replicaUUID))",
            replicaUUID: replicaUUID, liveUUID: liveUUID, restoreMilliseconds: milliseconds)
    }

    // MARK: Checkpoints

    /// The volume is not mounted: checkpoint commands need a converged volume.
    public struct NotMounted: Error, Sendable, CustomStringConvertible {
        /// The volume.
        public var volume: String
        /// Its mount point.
        public var path: String

        public var description: String {
            "volume \(volume) is not mounted and answering at \(path); run juicectl apply first"
        }
    }

    /// Checkpoints of a volume, with its lineage and anything an interrupted operation left.
    public struct CheckpointListing: Sendable, Codable {
        /// Checkpoints, oldest first (those without a manifest last, by name).
        public var checkpoints: [CheckpointEntry]
        /// The checkpoint `/active` descends from.
        public var activeParent: String?
        /// Leftovers the next apply removes.
        public var leftovers: [Leftover]
        /// A restore that did not finish.
        public var restoreInProgress: RestoreJournal?
    }

    /// Lists the checkpoints (under the volume lock, so the listing is never half of an operation).
    public func checkpoints(_ spec: VolumeSpec) async throws -> CheckpointListing {
        try await locked(spec, operation: "checkpoint list") { _ in
            let observation = await observer.observe(spec, fullCatalog: true)
            guard observation.mount.live != nil, let catalog = observation.catalog else {
                throw NotMounted(volume: spec.name, path: spec.mount.path)
            }
            let entries = (catalog.entries ?? []).sorted {
                switch ($0.createdAt, $1.createdAt) {
                case (let a?, let b?): return (a, $0.name) < (b, $1.name)
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return $0.name < $1.name
                }
            }
            return CheckpointListing(
                checkpoints: entries, activeParent: catalog.lineage.activeParent,
                leftovers: catalog.leftovers, restoreInProgress: catalog.restore?.journal)
        }
    }

    /// Creates a checkpoint of `/active` (after completing anything an interrupted operation left).
    public func createCheckpoint(
        _ spec: VolumeSpec, _ request: Action.CheckpointRequest,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(request.name)
        let action = Action(.createCheckpoint(request), .create, target: request.name, reason: "requested")
        return try await imperative(spec, operation: "checkpoint create", action: action, onResult: onResult)
    }

    /// Deletes a checkpoint; a pinned one only with `force`.
    public func deleteCheckpoint(
        _ spec: VolumeSpec, name: String, force: Bool = false,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(name)
        let action = Action(.deleteCheckpoint(.init(name: name, force: force)), .delete, target: name, reason: "requested")
        return try await imperative(spec, operation: "checkpoint delete", action: action, onResult: onResult)
    }

    /// Restores `/active` to a checkpoint; the replaced tree is kept as a pre-restore checkpoint. While something
    /// uses `/active`, it refuses and changes nothing, unless `terminateUsers`: then those processes get SIGTERM, and
    /// SIGKILL after `grace`.
    public func restore(
        _ spec: VolumeSpec, name: String, terminateUsers: Bool = false,
        grace: TimeSpan = VolumeSpec.RestoreRequest.defaultGrace,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(name)
        var request = Action.CheckpointRequest(name: name)
        request.terminateUsers = terminateUsers
        request.grace = grace
        let action = Action(.restore(request), .replace, target: VolumeLayout.active, reason: "requested", disruption: .interrupting)
        return try await imperative(spec, operation: "restore", action: action, onResult: onResult)
    }

    /// Under the lock: requires a live mount, finishes interrupted operations first, then runs `action`.
    private func imperative(
        _ spec: VolumeSpec, operation: String, action: Action,
        onResult: @Sendable (ActionResult) -> Void
    ) async throws -> Report {
        try await locked(spec, operation: operation) { lockWait in
            let started = Date()
            let observation = await observer.observe(spec, fullCatalog: false)
            guard observation.mount.live != nil else { throw NotMounted(volume: spec.name, path: spec.mount.path) }
            let plan = Planner.plan(spec, observation)
            // Nothing is done through an entry someone else could have planted: the plan names it, and so does this.
            if let unsafe = observation.guards?.unsafe.first {
                throw VolumeCallFailure(operation: operation, result: .unsafe(unsafe))
            }
            let recovery = plan.actions.filter {
                [.thawCgroups, .secureDirectory, .repairBookkeeping, .resumeRestore, .removeLeftover].contains($0.kind)
            }
            var results = await execute(recovery, spec: spec, operation: operation, onResult: onResult)
            if !results.contains(where: \.failed) {
                results += await execute([action], spec: spec, operation: operation, onResult: onResult)
            }
            let after = await observe(spec)
            let report = Report(
                spec: spec, results: results, remaining: Planner.plan(spec, after), lockWaitMilliseconds: lockWait,
                observation: after)
            recordRun(report, operation: operation, started: started)
            return report
        }
    }

    /// Why actions after a stop request were not run.
    static let stoppedReason = "juicectl is shutting down; the next run does it"

    /// Whether `result` was held back by a stop request.
    static func wasStopped(_ result: ActionResult) -> Bool {
        if case .notRun(let reason) = result.outcome { return reason == stoppedReason }
        return false
    }

    /// Runs actions in order; an action whose prerequisite failed is not run, and none starts after a stop request.
    /// Each result goes to the event log and to `onResult`.
    func execute(
        _ actions: [Action], spec: VolumeSpec, operation: String = "apply",
        onResult: @Sendable (ActionResult) -> Void
    ) async -> [ActionResult] {
        var results: [ActionResult] = []
        var failed: [Action] = []
        let log = EventLog(stateDir: spec.stateDir)
        for action in actions {
            let result: ActionResult
            if let blocker = failed.first(where: { Self.depends(action, on: $0) }) {
                result = ActionResult(
                    action: action, outcome: .notRun("\(blocker.kind.rawValue) \(blocker.target) failed"), milliseconds: 0)
            } else if configuration.shouldStop() {
                result = ActionResult(action: action, outcome: .notRun(Self.stoppedReason), milliseconds: 0)
            } else {
                var executor = executor
                executor.flushTimeout = configuration.flushTimeout
                result = await executor.execute(action, spec: spec)
                if result.failed { failed.append(action) }
            }
            results.append(result)
            if configuration.recordEvents { log.append(event(for: result, spec: spec, operation: operation)) }
            onResult(result)
        }
        return results
    }

    /// The event-log line of one action's result.
    func event(for result: ActionResult, spec: VolumeSpec, operation: String) -> VolumeEvent {
        let (outcome, message): (String, String) =
            switch result.outcome {
            case .done(let text): ("done", text)
            case .skipped(let text): ("skipped", text)
            case .failed(let text): ("failed", text)
            case .notRun(let text): ("not-run", text)
            }
        return VolumeEvent(
            time: Date(), volume: spec.name, revision: spec.origin.revision, actor: configuration.actor,
            operation: operation, kind: .action, action: result.action.kind.rawValue, target: result.action.target,
            reason: result.action.reason, result: outcome, message: message, durationMs: result.milliseconds,
            frozenMs: result.details?.frozenMilliseconds)
    }

    /// One event for a run that ran actions: how it ended and how long it took.
    func recordRun(_ report: Report, operation: String, started: Date) {
        guard configuration.recordEvents, !report.results.isEmpty else { return }
        let failed = report.results.filter(\.failed).count
        let result = report.interrupted ? "interrupted" : failed > 0 ? "failed" : report.remaining.isConverged ? "converged" : "changed"
        var message = "\(report.results.count) action(s), \(failed) failed"
        if !report.remaining.actions.isEmpty { message += ", \(report.remaining.actions.count) still pending" }
        if !report.remaining.conflicts.isEmpty { message += ", \(report.remaining.conflicts.count) conflict(s)" }
        let event = VolumeEvent(
            time: Date(), volume: report.spec.name, revision: report.spec.origin.revision, actor: configuration.actor,
            operation: operation, kind: .reconcile, result: result, message: message,
            durationMs: Int64(Date().timeIntervalSince(started) * 1000))
        EventLog(stateDir: report.spec.stateDir).append(event)
    }

    /// Whether `action` needs `prerequisite` to have succeeded.
    static func depends(_ action: Action, on prerequisite: Action) -> Bool {
        switch prerequisite.kind {
        case .format, .mount, .remount, .recoverStaleMount, .secureDirectory, .restore, .resumeRestore, .restoreMetadata, .refreshMetadata,
            .claimOwnership:
            return true
        case .repairBookkeeping:
            // Checkpoints and restores read the lineage and refuse while a journal is there.
            return [.createCheckpoint, .deleteCheckpoint, .restore, .resumeRestore, .removeLeftover].contains(action.kind)
        case .flushStaging:
            // Blocks not yet uploaded exist only here: nothing unmounts, changes the cache directory, stops the
            // replication or releases the volume until they are in the object storage.
            return true
        case .startBackup, .restartBackup, .stopBackup:
            // Nothing writes before replication runs: a failed start stops the mount (and all after it). A failed
            // final sync keeps the ownership: the replica may lack what this host wrote last.
            return prerequisite.kind != .stopBackup || action.kind == .releaseOwnership
        case .unmount:
            // down stops Litestream last: a volume its unmount left mounted can still be written, so it keeps replicating.
            return action.kind == .stopBackup || action.kind == .releaseOwnership
        case .remountInPlace, .removeQuota, .setQuota, .createCheckpoint, .deleteCheckpoint, .removeLeftover,
            .detachLoopDevice, .thawOverlay, .thawCgroups, .releaseOwnership, .fenceVolume:
            return false
        case .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper, .unmountOverlay, .unmountOverlayUpper:
            // The overlay's chain: image → upper mount → overlay; a broken link stops the rest of the chain.
            return [.quarantineOverlayImage, .createOverlayImage, .mountOverlayUpper, .mountOverlay, .unmountOverlayUpper]
                .contains(action.kind) && action.kind != prerequisite.kind
        case .mountOverlay:
            return false
        case .createDirectory:
            return HostPath.isWithin(action.target, prerequisite.target) && action.kind != .unmount
        }
    }

    /// After a converged run, every declared quota counts as juicectl's, so that removing it from the spec later
    /// removes it from the volume.
    func markDeclaredQuotasManaged(_ spec: VolumeSpec) throws {
        let store = StateStore(stateDir: spec.stateDir)
        try store.update { state in
            for quota in spec.quotas where state.quotas[quota.path] == nil {
                state.quotas[quota.path] = .init(capacity: quota.capacity?.bytes, inodes: quota.inodes, setAt: .distantPast)
            }
        }
    }

    /// Runs `body` under the volume lock; `body` receives how long the lock took, in milliseconds.
    private func locked<T>(_ spec: VolumeSpec, operation: String, _ body: (Int64) async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let lock = try await VolumeLock.acquire(stateDir: spec.stateDir, operation: operation, timeout: configuration.lockTimeout)
        defer { lock.release() }
        return try await body((clock.now - start).milliseconds)
    }
}
