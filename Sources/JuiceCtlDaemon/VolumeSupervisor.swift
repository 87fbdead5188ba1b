package import Foundation
package import JuiceCtl
package import JuiceCtlCore
package import Logging

/// What every supervisor of one daemon shares.
package struct SupervisorContext: Sendable {
    /// The daemon's settings.
    package var configuration: DaemonConfiguration
    /// Converges and observes volumes.
    package var reconciler: any VolumeReconciling
    /// Where passes are counted.
    package var metrics: DaemonMetrics
    /// Where passes are logged.
    package var logger: Logger
    /// Set on SIGTERM/SIGINT.
    package var stop: StopFlag
    /// Time, sleeps and jitter.
    package var clock: HostClock
    /// Where the status files and event logs are read and written.
    package var host: any HostProbing
    /// The process, as the status file records it.
    package var daemon: RunStatus.DaemonInfo

    /// Creates a context.
    package init(
        configuration: DaemonConfiguration, reconciler: any VolumeReconciling, metrics: DaemonMetrics, logger: Logger,
        stop: StopFlag, clock: HostClock = .system, host: any HostProbing, daemon: RunStatus.DaemonInfo
    ) {
        self.configuration = configuration
        self.reconciler = reconciler
        self.metrics = metrics
        self.logger = logger
        self.stop = stop
        self.clock = clock
        self.host = host
        self.daemon = daemon
    }
}

/// Keeps one volume converged: a pass each interval, at each scheduled checkpoint slot and on request; retries
/// failures with backoff; stops changing a volume the planner refuses until its spec changes; observes only while
/// the spec suspends changes. After each pass it writes the volume's status file, its metrics and, for conditions
/// that changed, events.
package actor VolumeSupervisor {
    /// The spec in force (the last good one).
    package private(set) var spec: VolumeSpec
    /// The last status written.
    package private(set) var status: RunStatus?
    private var specError: RunStatus.SpecError?
    private var retry = RetryState()
    private var conditions: [Condition] = []
    private var lastPass: RunStatus.Pass?
    private var lastPassStart: Date?
    private var lastConverged: Date?
    private var busyUntil: Date?
    private var nextCheckpoint: Date?
    private var retired = false
    private var sleeper: Task<Void, Never>?
    private var pendingWake = false
    private let context: SupervisorContext

    /// Creates the supervisor of `spec`.
    package init(spec: VolumeSpec, context: SupervisorContext) {
        self.spec = spec
        self.context = context
    }

    // MARK: Loop

    /// Passes until the daemon stops or the volume leaves the specs.
    package func run() async {
        while !context.stop.isSet && !retired {
            await pass()
            if context.stop.isSet || retired { break }
            await sleep(until: nextWake())
        }
    }

    /// When the next pass is due.
    package func nextWake() -> Date {
        let now = context.clock.date()
        var wake = WakeTime.next(
            now: now, lastPass: lastPassStart, interval: context.configuration.interval,
            nextCheckpoint: nextCheckpoint, retry: retry)
        if let busyUntil { wake = min(wake, max(busyUntil, now)) }
        return wake
    }

    /// Ends the current sleep (or the next one) at once.
    package func wake() {
        pendingWake = true
        sleeper?.cancel()
    }

    /// The volume left the specs: the loop ends after the pass in progress. The volume stays as it is.
    package func retire() {
        retired = true
        wake()
    }

    private func sleep(until date: Date) async {
        if pendingWake {
            pendingWake = false
            return
        }
        let seconds = date.timeIntervalSince(context.clock.date())
        guard seconds > 0 else { return }
        let clock = context.clock
        let task = Task { _ = try? await clock.sleep(.milliseconds(Int64((seconds * 1000).rounded(.up)))) }
        sleeper = task
        await task.value
        sleeper = nil
        pendingWake = false
    }

    // MARK: Spec changes

    /// A reload read `spec` for this volume: a new revision takes effect at once (and lifts a stall).
    package func accept(_ newSpec: VolumeSpec) {
        let changed = newSpec.origin.revision != spec.origin.revision || newSpec.origin.file != spec.origin.file
        if specError != nil {
            record(
                VolumeEvent(
                    time: context.clock.date(), volume: newSpec.name, revision: newSpec.origin.revision, actor: "run",
                    operation: "reload", kind: .spec, result: "accepted", message: "the spec at \(newSpec.origin.file) is valid again"))
        }
        specError = nil
        spec = newSpec
        if changed {
            if retry.stall != nil { retry.liftStall() }
            wake()
        }
    }

    /// A reload found the volume's spec file invalid: the last good spec stays in force and the errors are reported.
    package func reject(_ messages: [String]) {
        let now = context.clock.date()
        if specError?.messages != messages {
            context.logger.error(
                "the new spec is invalid; the last good one stays in force",
                metadata: [
                    "volume": "\(spec.name)", "revision": "\(spec.origin.revision)", "errors": "\(messages.joined(separator: " | "))",
                ])
            record(
                VolumeEvent(
                    time: now, volume: spec.name, revision: spec.origin.revision, actor: "run", operation: "reload",
                    kind: .spec, result: "rejected",
                    message:
                        "the spec file is invalid; revision \(spec.origin.revision) stays in force: \(messages.joined(separator: "; "))"))
        }
        specError = RunStatus.SpecError(messages: messages, since: specError?.since ?? now)
        writeStatus()
    }

    /// SIGHUP: pass now, also when waiting for a retry or stalled (the operator asks for another try).
    package func retryNow() {
        if retry.stall != nil { retry.liftStall() }
        busyUntil = nil
        wake()
    }

    // MARK: Pass

    /// One pass: converge (or only observe, when suspended or stalled), then record the outcome.
    @discardableResult
    package func pass() async -> RunStatus {
        let spec = self.spec
        let started = context.clock.date()
        let start = context.clock.now()
        lastPassStart = started
        busyUntil = nil
        var report: Reconciler.Report?
        var outcome: PassOutcome
        var plan: VolumePlan
        var observation: VolumeObservation
        if !retry.allowsChanges(revision: spec.origin.revision), let stall = retry.stall {
            (plan, observation) = await context.reconciler.plan(spec)
            if plan.conflicts.contains(where: { $0.blocking && $0.code == stall.reason }) {
                outcome = PassOutcome(
                    result: .stalled,
                    message:
                        "\(stall.message) (since \(VolumeEvent.timestamp(stall.since)); not retried until the spec changes or juicectl run "
                        + "gets SIGHUP)"
                )
            } else {
                // What the planner refused is gone (someone fixed the host): changes resume now.
                retry.liftStall()
                record(
                    VolumeEvent(
                        time: context.clock.date(), volume: spec.name, revision: spec.origin.revision, actor: "run", operation: "run",
                        kind: .reconcile, reason: stall.reason.rawValue, result: "resumed",
                        message: "the refusal '\(stall.reason.rawValue)' no longer holds; changes resume"))
                return await pass()
            }
        } else {
            do {
                let result = try await context.reconciler.apply(spec)
                report = result
                outcome = PassOutcome.classify(result)
                if let final = result.observation {
                    (plan, observation) = (result.remaining, final)
                } else {
                    (plan, observation) = await context.reconciler.plan(spec)
                }
            } catch {
                outcome = PassOutcome.classify(error)
                (plan, observation) = await context.reconciler.plan(spec)
            }
        }
        let finished = context.clock.date()
        let duration = (context.clock.now() - start).milliseconds
        switch outcome.result {
        case .converged, .conflicted, .suspended:
            retry.recordSuccess()
        case .failed:
            retry.recordFailure(outcome.message, at: finished, backoff: context.configuration.backoff, random: context.clock.random())
        case .blocked:
            guard let reason = outcome.stallReason else { break }
            let isNew = retry.stall?.reason != reason || retry.stall?.revision != spec.origin.revision
            retry.recordStall(reason: reason, message: outcome.message, revision: spec.origin.revision, at: finished)
            if isNew {
                context.logger.error(
                    "volume blocked; no change is attempted until its spec changes",
                    metadata: ["volume": "\(spec.name)", "reason": "\(reason.rawValue)", "message": "\(outcome.message)"])
            }
        case .busy:
            busyUntil = finished.addingTimeInterval(context.configuration.busyRetry.seconds)
        case .stalled, .interrupted:
            break
        }
        if outcome.result == .converged { lastConverged = finished }
        if outcome.result == .failed || (outcome.result == .busy && report == nil) {
            record(
                VolumeEvent(
                    time: finished, volume: spec.name, revision: spec.origin.revision, actor: "run", operation: "run",
                    kind: .reconcile, result: outcome.result.rawValue,
                    message: outcome.message + (retry.nextAttempt.map { "; next attempt at \(VolumeEvent.timestamp($0))" } ?? ""),
                    durationMs: duration))
        }
        log(outcome, report: report, spec: spec, duration: duration)

        let pass = RunStatus.Pass(
            startedAt: started, durationMs: duration, result: outcome.result,
            actions: report?.results.count ?? 0, failedActions: report?.results.filter(\.failed).count ?? 0,
            message: outcome.message)
        lastPass = pass
        let entries = observation.catalog?.entries
        nextCheckpoint = spec.checkpoints.schedule?.nextCheckpoint(at: finished, checkpoints: entries ?? [])

        var current = VolumeStatus(spec: spec, observation: observation, plan: plan).conditions
        current.append(stalledCondition(spec: spec))
        let merged = ConditionHistory.merge(previous: conditions, current: current, now: finished)
        conditions = merged.conditions
        record(
            merged.changed.map { condition in
                VolumeEvent(
                    time: finished, volume: spec.name, revision: spec.origin.revision, actor: "run", operation: "run", kind: .condition,
                    condition: condition.type.rawValue, status: condition.status, reason: condition.reason.rawValue,
                    message: condition.message)
            })

        var status = makeStatus(spec: spec, updatedAt: finished, pendingActions: plan.actions)
        status.checkpoints = entries.map(RunStatus.CheckpointSummary.init)
        status.backup = observation.backup.map(RunStatus.BackupSummary.init)
        status.staging = observation.staging
        self.status = status
        context.metrics.record(pass: pass, report: report, status: status)
        writeStatus()
        return status
    }

    private func stalledCondition(spec: VolumeSpec) -> Condition {
        let revision = spec.origin.revision
        if let stall = retry.stall {
            return Condition(
                type: .stalled, status: true, reason: .conflict(stall.reason),
                message: "\(stall.message); not retried until the spec changes or juicectl run gets SIGHUP", observedRevision: revision)
        }
        if retry.failures > 0 {
            let next = retry.nextAttempt.map { "; next attempt at \(VolumeEvent.timestamp($0))" } ?? ""
            return Condition(
                type: .stalled, status: false, reason: .retrying,
                message: "\(retry.failures) failed pass(es) in a row: \(retry.lastError ?? "")\(next)", observedRevision: revision)
        }
        return Condition(type: .stalled, status: false, reason: .progressing, message: "no error", observedRevision: revision)
    }

    private func makeStatus(spec: VolumeSpec, updatedAt: Date, pendingActions: [Action]) -> RunStatus {
        var status = RunStatus(
            volume: spec.name, file: spec.origin.file, revision: spec.origin.revision, daemon: context.daemon,
            updatedAt: updatedAt, conditions: conditions, retry: retry,
            pendingActions: pendingActions.map { "\(PlanRenderer.label($0)) \($0.target): \($0.reason)" })
        status.lastReconcile = lastPass
        status.lastConverged = lastConverged
        status.nextReconcile = nextWake()
        status.nextCheckpoint = nextCheckpoint
        status.specError = specError
        return status
    }

    /// Writes the status file (only once the volume's base directory exists: a suspended volume that was never
    /// created stays uncreated).
    private func writeStatus() {
        guard var status else { return }
        status.specError = specError
        status.updatedAt = context.clock.date()
        self.status = status
        guard context.host.fileExists(spec.baseDir) else { return }
        do {
            try RunStatusStore(stateDir: spec.stateDir, host: context.host).save(status)
        } catch {
            context.logger.warning("cannot write the status file", metadata: ["volume": "\(spec.name)", "error": "\(error)"])
        }
    }

    private func record(_ event: VolumeEvent) {
        record([event])
    }

    private func record(_ events: [VolumeEvent]) {
        guard !events.isEmpty, context.host.fileExists(spec.baseDir) else { return }
        EventLog(stateDir: spec.stateDir, host: context.host).append(events)
    }

    private func log(_ outcome: PassOutcome, report: Reconciler.Report?, spec: VolumeSpec, duration: Int64) {
        // Each action is logged by the executor as it ends; this is the pass as a whole.
        let metadata: Logger.Metadata = [
            "volume": "\(spec.name)", "result": "\(outcome.result.rawValue)", "ms": "\(duration)",
            "message": "\(outcome.message)",
        ]
        switch outcome.result {
        case .failed: context.logger.warning("pass failed", metadata: metadata)
        case .converged where report?.results.isEmpty ?? true: context.logger.debug("pass", metadata: metadata)
        case .stalled, .suspended, .busy: context.logger.debug("pass", metadata: metadata)
        default: context.logger.info("pass", metadata: metadata)
        }
    }
}
