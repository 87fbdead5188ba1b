internal import Foundation
public import JuiceCtl
public import JuiceCtlCore
public import Logging
public import ServiceLifecycle
internal import Synchronization
internal import UnixSignals

/// `juicectl run`: one ``VolumeSupervisor`` per volume, all over the same reconciler, running independently (one
/// failing volume never holds up another). Spec files are re-read every interval and at once on SIGHUP; an invalid
/// file keeps its volumes on their last good spec. On graceful shutdown (SIGTERM, SIGINT) no new action starts,
/// the running one finishes, the status files are written and `run()` returns. Volumes stay mounted.
public final class ReconcileDaemon: Service, Sendable {
    private let configuration: DaemonConfiguration
    private let context: SupervisorContext
    private let initial: [VolumeSpec]
    private let state = Mutex(State())

    private struct State: Sendable {
        var specSet = SpecSet()
        var supervisors: [String: VolumeSupervisor] = [:]
    }

    /// Creates a daemon over `specs` (already loaded and valid), sharing `context`.
    package init(specs: [VolumeSpec], context: SupervisorContext) {
        configuration = context.configuration
        self.context = context
        initial = specs
    }

    /// Creates a daemon that keeps `specs` (already loaded and valid) converged with `reconciler`, as
    /// `juicectl run` does but without a metrics endpoint (`configuration.metricsAddress` is not served). On
    /// graceful shutdown the reconciler starts no further action; the status files are written as by `juicectl run`.
    public convenience init(
        specs: [VolumeSpec], configuration: DaemonConfiguration, reconciler: Reconciler, logger: Logger,
        clock: HostClock = .system
    ) {
        let stop = StopFlag()
        var reconciler = reconciler
        let shouldStop = reconciler.configuration.shouldStop
        reconciler.configuration.shouldStop = { stop.isSet || shouldStop() }
        let startedAt = clock.date()
        let context = SupervisorContext(
            configuration: configuration, reconciler: reconciler, metrics: DaemonMetrics(version: "library", startedAt: startedAt),
            logger: logger, stop: stop, clock: clock, host: reconciler.host,
            daemon: .init(pid: getpid(), startedAt: startedAt, intervalSeconds: configuration.interval.seconds))
        self.init(specs: specs, context: context)
    }

    /// The supervisors, by volume name (for tests and the benchmark).
    package var supervisors: [String: VolumeSupervisor] {
        state.withLock { $0.supervisors }
    }

    /// Runs until graceful shutdown; throws nothing a volume causes.
    public func run() async throws {
        let logger = context.logger
        let startReload = state.withLock { state -> SpecSet.Reload in
            state.specSet.reload(paths: configuration.paths, loader: SpecLoader(files: context.host))
        }
        // The CLI validated the files a moment ago; if they changed since, the freshly read ones win, and a spec
        // the new read rejects falls back to what was validated.
        var specs = Dictionary(uniqueKeysWithValues: initial.map { ($0.name, $0) })
        for spec in startReload.specs { specs[spec.name] = spec }
        logger.notice(
            "juicectl run started",
            metadata: [
                "volumes": "\(specs.keys.sorted().joined(separator: ","))", "interval": "\(configuration.interval)",
                "pid": "\(context.daemon.pid)",
            ])
        let (triggers, continuation) = AsyncStream<Trigger>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield(.signal) }
        }
        let stop = context.stop
        let interval = configuration.interval
        let clock = context.clock
        let ticker = Task {
            while !stop.isSet {
                try? await clock.sleep(interval)
                continuation.yield(.periodic)
            }
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for spec in specs.values.sorted(by: { $0.name < $1.name }) {
                    let supervisor = VolumeSupervisor(spec: spec, context: context)
                    state.withLock { $0.supervisors[spec.name] = supervisor }
                    record(
                        .init(
                            time: clock.date(), volume: spec.name, revision: spec.origin.revision, actor: "run", operation: "run",
                            kind: .daemon, result: "started", message: "juicectl run (pid \(context.daemon.pid)) manages this volume"), spec
                    )
                    group.addTask { await supervisor.run() }
                }
                for await trigger in triggers {
                    if stop.isSet { break }
                    for supervisor in await reload(trigger) {
                        group.addTask { await supervisor.run() }
                    }
                }
            }
        } onGracefulShutdown: {
            logger.notice("stopping: the actions in progress finish, no new one starts; volumes stay mounted")
            stop.set()
            continuation.finish()
            for supervisor in self.supervisors.values {
                Task { await supervisor.wake() }
            }
        }
        signals.cancel()
        ticker.cancel()
        for (name, supervisor) in supervisors {
            let spec = await supervisor.spec
            record(
                .init(
                    time: clock.date(), volume: name, revision: spec.origin.revision, actor: "run", operation: "run", kind: .daemon,
                    result: "stopped", message: "juicectl run (pid \(context.daemon.pid)) stopped; the volume stays as it is"), spec)
        }
        logger.notice("juicectl run stopped")
    }

    /// What woke the reload loop.
    enum Trigger: Sendable {
        /// SIGHUP: re-read now and pass every volume now.
        case signal
        /// The periodic re-read: only changed specs cause a pass.
        case periodic
    }

    /// Re-reads the spec files and updates the supervisors, in order (a later reload never lands before an earlier
    /// one); returns the supervisors of newly declared volumes.
    private func reload(_ trigger: Trigger) async -> [VolumeSupervisor] {
        let logger = context.logger
        let (outcome, existing) = state.withLock { state in
            (state.specSet.reload(paths: configuration.paths, loader: SpecLoader(files: context.host)), state.supervisors)
        }
        context.metrics.recordReload(rejected: !outcome.rejected.isEmpty || outcome.diagnostics.hasErrors)
        if trigger == .signal {
            logger.notice(
                "SIGHUP: spec files re-read", metadata: ["volumes": "\(outcome.specs.count)", "rejected": "\(outcome.rejected.count)"])
        }
        for diagnostic in outcome.diagnostics.errors where !outcome.rejected.values.contains(where: { $0.contains(diagnostic.description) })
        {
            // An error in a file that held no running volume (a new, invalid file): nothing to keep running, just say so.
            logger.error("spec error", metadata: ["diagnostic": "\(diagnostic)"])
        }
        var added: [VolumeSupervisor] = []
        for spec in outcome.specs {
            if let supervisor = existing[spec.name] {
                if let messages = outcome.rejected[spec.name] { await supervisor.reject(messages) } else { await supervisor.accept(spec) }
                if trigger == .signal { await supervisor.retryNow() }
            } else {
                let supervisor = VolumeSupervisor(spec: spec, context: context)
                state.withLock { $0.supervisors[spec.name] = supervisor }
                logger.notice("new volume", metadata: ["volume": "\(spec.name)", "file": "\(spec.origin.file)"])
                added.append(supervisor)
            }
        }
        for name in outcome.removed {
            guard let supervisor = existing[name] else { continue }
            state.withLock { _ = $0.supervisors.removeValue(forKey: name) }
            logger.notice("volume no longer declared: it is left as it is and no longer managed", metadata: ["volume": "\(name)"])
            await supervisor.retire()
        }
        return added
    }

    private func record(_ event: VolumeEvent, _ spec: VolumeSpec) {
        guard context.host.fileExists(spec.baseDir) else { return }
        EventLog(stateDir: spec.stateDir, host: context.host).append(event)
    }
}
