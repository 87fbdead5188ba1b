import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlDaemon
import Logging
import ServiceLifecycle
import UnixSignals

/// `juicectl run PATH...`: keeps the volumes converged until stopped.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Keep every volume converged: a pass each interval, at each checkpoint slot and on SIGHUP.",
        discussion: """
            Each volume is reconciled on its own: one failing volume never holds up another. Failures are retried \
            with exponential backoff and jitter (reset on success); a refusal such as "would format over existing \
            data" stops changes to that volume until its spec changes (or SIGHUP). Spec files are re-read every \
            interval and at once on SIGHUP; an invalid file keeps its volumes on their last good spec. A spec with \
            `suspend: {reason: ...}` is observed and reported, never changed.

            Each volume's status goes to <baseDir>/.juicectl/status.json (read by juicectl status), every action to \
            <baseDir>/.juicectl/events.jsonl. SIGTERM or SIGINT: the action in progress finishes, no new one starts, \
            exit 0; volumes stay mounted (stopping the reconciler is not down). Exit 1 when the specs are invalid \
            at start or the metrics address cannot be used.
            """)

    @OptionGroup var files: SpecFiles

    @Option(name: .long, help: "Period of passes over each volume, e.g. 30s, 5m.")
    var interval: String = "30s"

    @Option(name: .long, help: "Serve Prometheus metrics on this loopback address, e.g. 127.0.0.1:9464 (port 0: any free port).")
    var metricsAddress: String?

    @Option(name: .long, help: "First retry delay after a failed pass.")
    var retryInitial: String = "5s"

    @Option(name: .long, help: "Longest retry delay.")
    var retryMax: String = "5m"

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard let span = TimeSpan.parse(interval), span.nanoseconds >= 1_000_000_000 else {
            throw ValidationError("--interval: '\(interval)' is not a duration of at least 1s, such as 30s or 5m")
        }
        for (flag, value) in [("--retry-initial", retryInitial), ("--retry-max", retryMax)] {
            guard let span = TimeSpan.parse(value), span.nanoseconds > 0 else {
                throw ValidationError("\(flag): '\(value)' is not a duration such as 5s or 5m")
            }
        }
        if let metricsAddress {
            do { _ = try MetricsAddress(parsing: metricsAddress) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        let (specs, warnings) = try loadSpecs(files.paths)
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        try requireRoot("run")
        let logger = global.makeLogger(defaultLevel: .info)
        let stop = StopFlag()
        let reconciler: Reconciler
        do {
            reconciler = try global.makeReconciler(logger: logger, defaultLockTimeout: .seconds(5)) { configuration in
                configuration.actor = "run"
                configuration.fullCatalog = true
                configuration.replicaPosition = true
                configuration.ownershipCheck = .always
                configuration.shouldStop = { stop.isSet }
            }
        } catch { throw fail(error) }
        let configuration = DaemonConfiguration(
            paths: files.paths,
            interval: TimeSpan.parse(interval)!.duration,
            backoff: RetryBackoff(initial: TimeSpan.parse(retryInitial)!.duration, maximum: TimeSpan.parse(retryMax)!.duration),
            metricsAddress: try metricsAddress.map { try MetricsAddress(parsing: $0) })
        let clock = HostClock.system
        let startedAt = clock.date()
        let metrics = DaemonMetrics(version: JuiceCtlCommand.configuration.version, startedAt: startedAt)
        let context = SupervisorContext(
            configuration: configuration, reconciler: reconciler, metrics: metrics, logger: logger, stop: stop, clock: clock,
            host: reconciler.host, daemon: .init(pid: getpid(), startedAt: startedAt, intervalSeconds: configuration.interval.seconds))
        var services: [any Service] = []
        if let address = configuration.metricsAddress {
            services.append(MetricsServer(address: address, metrics: metrics, logger: logger, clock: clock))
        }
        // Listed last, shut down first: the metrics keep answering until the last pass has ended.
        services.append(ReconcileDaemon(specs: specs, context: context))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    // A service that ends, even by an error, shuts the others down gracefully: never a cancellation that
                    // would kill a running juicefs clone.
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        do {
            try await group.run()
        } catch {
            throw fail(error)
        }
    }
}
