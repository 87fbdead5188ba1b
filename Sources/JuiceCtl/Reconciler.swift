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

    /// Where every file of the volume's state directory (state, status, events, lock) is read and written, and the
    /// host is observed.
    package let host: any HostProbing
    /// The one observer: the reconciler observes through it, and so does its executor.
    let observer: VolumeObserver
    let executor: Executor
    let verifier: BackupVerifier
    let logger: Logger
    /// The present and elapsed time of runs, events and lock waits.
    let clock: HostClock
    /// Tunables.
    public var configuration: Configuration

    /// Creates a reconciler that runs programs through `runner` and reads the live host; long operations report to
    /// `progress`; `clock` stamps events and measures runs and lock waits.
    public init(
        runner: any CommandRunning, tools: Tools, logger: Logger, configuration: Configuration = Configuration(),
        progress: any OperationProgress = SilentProgress(), clock: HostClock = .system
    ) {
        self.init(
            host: LiveHost(), runner: runner, tools: tools, logger: logger, configuration: configuration, progress: progress,
            clock: clock)
    }

    /// Creates a reconciler that runs programs through `runner` and reads the host through `host`; long operations
    /// report to `progress`.
    ///
    /// `ownership` replaces the live stores of movable volumes' ownership records (tests); `clock` stamps events and
    /// measures runs and lock waits.
    package init(
        host: any HostProbing, runner: any CommandRunning, tools: Tools, logger: Logger,
        configuration: Configuration = Configuration(), progress: any OperationProgress = SilentProgress(),
        ownership: OwnershipFactory? = nil, clock: HostClock = .system
    ) {
        let parts = Self.parts(
            host: host, runner: runner, tools: tools, logger: logger, progress: progress, ownership: ownership, clock: clock)
        self.init(parts: parts, host: host, logger: logger, configuration: configuration, clock: clock)
    }

    /// Creates a reconciler from its parts (``parts(host:runner:tools:logger:progress:ownership:clock:)``).
    init(parts: Parts, host: any HostProbing, logger: Logger, configuration: Configuration, clock: HostClock) {
        self.host = host
        observer = parts.observer
        executor = parts.executor
        verifier = parts.verifier
        self.logger = logger
        self.configuration = configuration
        self.clock = clock
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
            let started = clock.date()
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
            let started = clock.date()
            let plan = await planDown(spec)
            let results = await execute(plan.actions, spec: spec, operation: "down", onResult: onResult)
            let after = await planDown(spec)
            let report = Report(spec: spec, results: results, remaining: after, lockWaitMilliseconds: lockWait)
            recordRun(report, operation: "down", started: started)
            return report
        }
    }

    /// Whether `result` was held back by a stop request.
    static func wasStopped(_ result: ActionResult) -> Bool {
        result.outcome == .notRun(.stopped)
    }

    /// Runs actions in order; an action whose prerequisite failed is not run, and none starts after a stop request.
    /// Each result goes to the event log and to `onResult`.
    func execute(
        _ actions: [Action], spec: VolumeSpec, operation: String = "apply",
        onResult: @Sendable (ActionResult) -> Void
    ) async -> [ActionResult] {
        var results: [ActionResult] = []
        var failed: [Action] = []
        let log = EventLog(stateDir: spec.stateDir, host: host)
        for action in actions {
            let result: ActionResult
            if let blocker = failed.first(where: { ActionDependencies.depends(action, on: $0) }) {
                result = ActionResult(
                    action: action, outcome: .notRun(.prerequisiteFailed(kind: blocker.kind, target: blocker.target)), milliseconds: 0)
            } else if configuration.shouldStop() {
                result = ActionResult(action: action, outcome: .notRun(.stopped), milliseconds: 0)
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

    /// Runs `body` under the volume lock; `body` receives how long the lock took, in milliseconds.
    func locked<T>(_ spec: VolumeSpec, operation: String, _ body: (Int64) async throws -> T) async throws -> T {
        let start = clock.now()
        let lock = try await host.exclusiveLock("\(spec.stateDir)/lock", operation: operation, timeout: configuration.lockTimeout)
        defer { lock.release() }
        return try await body((clock.now() - start).milliseconds)
    }
}
