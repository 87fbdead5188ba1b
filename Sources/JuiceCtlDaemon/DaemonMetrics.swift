package import Foundation
package import JuiceCtl
package import JuiceCtlCore
internal import Prometheus

/// The reconciler's Prometheus metrics, per volume: passes and their results, errors, actions with their
/// durations, conditions, pending drift, checkpoints (count, newest, next) and the metadata backup's lag.
package final class DaemonMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()

    /// Creates the metrics of a reconciler that started at `startedAt` (by default, now).
    package init(version: String, startedAt: Date = HostClock.system.date()) {
        registry.makeGauge(
            descriptor: Self.descriptor("build_info", "", "Always 1; the version label names the juicectl build."),
            labels: [("version", version)]
        ).set(Double(1))
        registry.makeGauge(descriptor: Self.descriptor("start_time", "seconds", "When the reconciler started, in seconds since the epoch."))
            .set(startedAt.timeIntervalSince1970)
    }

    /// The metrics in the Prometheus text format.
    package func render() -> String {
        registry.emitToString()
    }

    /// Records one pass over a volume.
    package func record(pass: RunStatus.Pass, report: Reconciler.Report?, status: RunStatus) {
        let volume = [("volume", status.volume)]
        registry.makeCounter(descriptor: Self.reconciles, labels: volume + [("result", pass.result.rawValue)]).increment()
        registry.makeDurationHistogram(descriptor: Self.reconcileDuration, labels: volume, buckets: Self.buckets)
            .record(.milliseconds(pass.durationMs))
        switch pass.result {
        case .failed: registry.makeCounter(descriptor: Self.errors, labels: volume + [("kind", "transient")]).increment()
        case .blocked: registry.makeCounter(descriptor: Self.errors, labels: volume + [("kind", "terminal")]).increment()
        default: break
        }
        for result in report?.results ?? [] {
            let outcome = ActionOutcomeRenderer.word(result.outcome)
            let action = [("action", result.action.kind.rawValue)]
            registry.makeCounter(descriptor: Self.actions, labels: volume + action + [("result", outcome)]).increment()
            if result.outcome.heldBack { continue }
            registry.makeDurationHistogram(descriptor: Self.actionDuration, labels: volume + action, buckets: Self.buckets)
                .record(.milliseconds(result.milliseconds))
            if let frozen = result.details?.frozenMilliseconds {
                registry.makeDurationHistogram(descriptor: Self.frozenWindow, labels: volume, buckets: Self.frozenBuckets)
                    .record(.milliseconds(frozen))
                gauge(Self.lastFrozenWindow, volume, Double(frozen) / 1000)
            }
        }
        update(status)
    }

    /// Sets the per-volume gauges from a status document.
    package func update(_ status: RunStatus) {
        let volume = [("volume", status.volume)]
        for condition in status.conditions {
            registry.makeGauge(descriptor: Self.condition, labels: volume + [("condition", condition.type.rawValue)]).set(
                Double(condition.status ? 1 : 0))
        }
        gauge(Self.pending, volume, Double(status.pendingActions.count))
        gauge(Self.failures, volume, Double(status.retry.failures))
        if let last = status.lastReconcile {
            gauge(Self.lastReconcile, volume, last.startedAt.timeIntervalSince1970)
        }
        if let converged = status.lastConverged {
            gauge(Self.lastConverged, volume, converged.timeIntervalSince1970)
        }
        if let next = status.nextCheckpoint {
            gauge(Self.nextCheckpoint, volume, next.timeIntervalSince1970)
        }
        if let checkpoints = status.checkpoints {
            gauge(Self.checkpointCount, volume, Double(checkpoints.count))
            if let newest = checkpoints.newestCreatedAt {
                gauge(Self.newestCheckpoint, volume, newest.timeIntervalSince1970)
                gauge(Self.newestCheckpointAge, volume, max(0, status.updatedAt.timeIntervalSince(newest)))
            }
        }
        if let backup = status.backup {
            gauge(Self.backupRunning, volume, backup.running ? 1 : 0)
            if let lag = backup.lagTransactions { gauge(Self.backupLag, volume, Double(lag)) }
            if let age = backup.replicaAgeSeconds { gauge(Self.backupAge, volume, age) }
            if let lag = backup.lagSeconds { gauge(Self.backupLagSeconds, volume, lag) }
        }
        if let staging = status.staging {
            gauge(Self.stagedBytes, volume, Double(staging.bytes))
            gauge(Self.stagedBlocks, volume, Double(staging.blocks))
            gauge(Self.stagedOldestAge, volume, staging.oldestAgeSeconds ?? 0)
        }
    }

    /// Counts a reload of the spec files and whether it was rejected in part.
    package func recordReload(rejected: Bool) {
        registry.makeCounter(descriptor: Self.reloads, labels: [("result", rejected ? "rejected" : "accepted")]).increment()
    }

    private func gauge(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)], _ value: Double) {
        registry.makeGauge(descriptor: descriptor, labels: labels).set(value)
    }

    private static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "juicectl", metricName: name, unitName: unit, helpText: help)
    }

    /// Histogram buckets from 5 ms to 10 minutes.
    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(600),
    ]

    private static var reconciles: MetricNameDescriptor {
        descriptor(
            "reconciles", "total",
            "Passes over a volume, by result (converged, conflicted, failed, blocked, suspended, stalled, busy, interrupted).")
    }
    private static var reconcileDuration: MetricNameDescriptor {
        descriptor("reconcile_duration", "seconds", "How long a pass over a volume took.")
    }
    private static var errors: MetricNameDescriptor {
        descriptor(
            "reconcile_errors", "total",
            "Passes that ended in an error: transient (retried with backoff) or terminal (not retried until the spec changes).")
    }
    private static var actions: MetricNameDescriptor { descriptor("actions", "total", "Actions run, by kind and result.") }
    private static var actionDuration: MetricNameDescriptor { descriptor("action_duration", "seconds", "How long actions took, by kind.") }
    private static var condition: MetricNameDescriptor {
        descriptor("volume_condition", "", "1 when the condition holds (Ready, Degraded, BackupFresh, Suspended, Stalled).")
    }
    private static var pending: MetricNameDescriptor {
        descriptor("pending_actions", "", "Actions the planner still sees after the last pass: drift while suspended or stalled.")
    }
    private static var failures: MetricNameDescriptor { descriptor("consecutive_failures", "", "Failed passes in a row.") }
    private static var lastReconcile: MetricNameDescriptor {
        descriptor("last_reconcile_timestamp", "seconds", "When the last pass started.")
    }
    private static var lastConverged: MetricNameDescriptor {
        descriptor("last_converged_timestamp", "seconds", "When a pass last left the volume converged.")
    }
    private static var nextCheckpoint: MetricNameDescriptor {
        descriptor("next_checkpoint_timestamp", "seconds", "When the next scheduled checkpoint is due.")
    }
    private static var checkpointCount: MetricNameDescriptor { descriptor("checkpoints", "", "Checkpoints on the volume.") }
    private static var newestCheckpoint: MetricNameDescriptor {
        descriptor("checkpoint_newest_timestamp", "seconds", "When the newest checkpoint was created.")
    }
    private static var newestCheckpointAge: MetricNameDescriptor {
        descriptor("checkpoint_newest_age", "seconds", "Age of the newest checkpoint at the last pass.")
    }
    private static var backupRunning: MetricNameDescriptor {
        descriptor("backup_running", "", "1 when Litestream replicates the volume's metadata.")
    }
    private static var backupLag: MetricNameDescriptor {
        descriptor("backup_lag_transactions", "", "Transactions the replica is behind the metadata database.")
    }
    private static var backupAge: MetricNameDescriptor {
        descriptor("backup_replica_age", "seconds", "Seconds since the replica was last written.")
    }
    private static var backupLagSeconds: MetricNameDescriptor {
        descriptor("backup_lag", "seconds", "Seconds the replica has been behind the metadata database (0 when it holds everything).")
    }
    private static var stagedBytes: MetricNameDescriptor {
        descriptor(
            "volume_staged", "bytes", "Bytes written with writeback that are staged on this host only, not yet in the object storage.")
    }
    private static var stagedBlocks: MetricNameDescriptor {
        descriptor("volume_staged_blocks", "", "Blocks staged on this host only (writeback).")
    }
    private static var stagedOldestAge: MetricNameDescriptor {
        descriptor("volume_staged_oldest_age", "seconds", "Age of the oldest block staged on this host only (0 when none).")
    }
    /// Buckets for the sandbox's frozen window: 10 ms to 60 s.
    static let frozenBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(200),
        .milliseconds(300), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(60),
    ]
    private static var frozenWindow: MetricNameDescriptor {
        descriptor("checkpoint_frozen", "seconds", "How long checkpoints kept the sandbox's cgroups frozen (checkpoints.quiesce).")
    }
    private static var lastFrozenWindow: MetricNameDescriptor {
        descriptor("checkpoint_last_frozen", "seconds", "How long the last checkpoint kept the sandbox's cgroups frozen.")
    }
    private static var reloads: MetricNameDescriptor {
        descriptor("spec_reloads", "total", "Re-reads of the spec files, accepted or rejected in part.")
    }
}
