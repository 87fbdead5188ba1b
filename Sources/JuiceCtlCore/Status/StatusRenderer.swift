internal import Foundation

/// Prints volume status for people and as JSON.
public enum StatusRenderer {
    /// The human form.
    public static func human(_ statuses: [VolumeStatus]) -> String {
        var lines: [String] = []
        for status in statuses {
            lines.append("Volume \(status.name) (\(status.file), revision \(status.revision))")
            for condition in status.conditions {
                let since = condition.since.map { " (since \(VolumeEvent.timestamp($0)))" } ?? ""
                lines.append(
                    "  \(condition.type.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                        + "\(condition.status ? "True " : "False") \(condition.reason.rawValue): \(condition.message)\(since)"
                )
            }
            if let run = status.reconciler {
                lines.append(contentsOf: reconcilerLines(run, now: status.observation.now))
            }
            let observation = status.observation
            switch observation.mount {
            case .live(let mount):
                var line = "  mount:    live (pid \(mount.pid), supervisor \(mount.supervisorPID)\(mount.supervisorAlive ? "" : " gone"))"
                if let usage = mount.usage {
                    line += ", \(ByteSize(bytes: usage.usedBytes).humanReadable) and \(usage.usedInodes) inodes used"
                }
                lines.append(line)
            case .absent: lines.append("  mount:    not mounted")
            case .stale(let reason, _): lines.append("  mount:    stale (\(reason))")
            case .unresponsive(let reason, let pid):
                lines.append("  mount:    not answering (\(reason)); its juicefs client, pid \(pid), runs")
            case .foreign(let fstype, let source): lines.append("  mount:    occupied by \(fstype) \(source)")
            }
            switch observation.metadata {
            case .formatted(let info):
                lines.append(
                    "  volume:   \(info.name), UUID \(info.uuid), block size \(info.blockSizeKiB) KiB, compression \(info.compression), "
                        + "trash \(info.trashDays) day(s)"
                )
            case .missing: lines.append("  volume:   metadata database missing")
            case .unformatted: lines.append("  volume:   not formatted")
            case .unreadable(let message): lines.append("  volume:   metadata unreadable: \(message)")
            }
            if let backup = observation.backup {
                var line = "  backup:   "
                switch backup.process {
                case .running(let pid, _): line += "Litestream pid \(pid)"
                case .stopped: line += "Litestream not running"
                }
                line +=
                    ", database at transaction \(backup.localTXID.map(String.init) ?? "-"), replica at "
                    + "\(backup.replicaTXID.map(String.init) ?? "-")"
                if let age = backup.replicaAgeSeconds { line += String(format: " (written %.0f s ago)", age) }
                lines.append(line)
            }
            if let staging = observation.staging {
                let age = staging.oldestAgeSeconds.map { String(format: ", the oldest written %.0f s ago", $0) } ?? ""
                lines.append(
                    "  staged:   "
                        + (staging.isEmpty
                            ? "nothing (every written block is in the object storage)"
                            : "\(staging.summary) only on this host, in \(staging.cacheDir)\(age)"))
            }
            for (path, reading) in (observation.quotas ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("  quota:    \(path): \(QuotaRenderer.status(reading)) (\(reading.source))")
            }
            for action in status.pendingActions {
                lines.append("  pending:  \(action.change.symbol) \(PlanRenderer.label(action)) \(action.target): \(action.reason)")
            }
            let micros = observation.probes.reduce(Int64(0)) { $0 + $1.microseconds }
            lines.append(
                "  observed: \(observation.probes.count) probes, \(observation.juicefsCalls) juicefs call(s), "
                    + "\(micros / 1000).\(String(micros % 1000 / 100)) ms"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What `juicectl run` reports about a volume.
    static func reconcilerLines(_ run: RunStatus, now: Date) -> [String] {
        var lines: [String] = []
        let who =
            run.writerRunning == false
            ? "not running (last pid \(run.daemon.pid), status written \(ago(run.updatedAt, now)))"
            : "pid \(run.daemon.pid), every \(Int(run.daemon.intervalSeconds)) s, running since "
                + "\(VolumeEvent.timestamp(run.daemon.startedAt))"
        lines.append("  reconciler: \(who)")
        if let last = run.lastReconcile {
            lines.append("  last pass:  \(ago(last.startedAt, now)), \(last.result.rawValue) in \(last.durationMs) ms: \(last.message)")
        }
        if run.writerRunning != false, let next = run.nextReconcile {
            lines.append("  next pass:  \(VolumeEvent.timestamp(next))")
        }
        if let converged = run.lastConverged {
            lines.append("  converged:  \(ago(converged, now))")
        }
        if let next = run.nextCheckpoint {
            lines.append("  next checkpoint: \(VolumeEvent.timestamp(next))\(next <= now ? " (due)" : "")")
        }
        if let checkpoints = run.checkpoints {
            let newest =
                checkpoints.newest.map { name in
                    " (newest \(name)\(checkpoints.newestCreatedAt.map { ", \(ago($0, now))" } ?? ""))"
                } ?? ""
            lines.append("  checkpoints: \(checkpoints.count)\(newest)")
        }
        if run.retry.failures > 0 {
            let next = run.retry.nextAttempt.map { ", next attempt \(VolumeEvent.timestamp($0))" } ?? ""
            lines.append("  retrying:   \(run.retry.failures) failure(s) in a row\(next): \(run.retry.lastError ?? "")")
        }
        if let stall = run.retry.stall {
            lines.append("  stalled:    \(stall.reason.rawValue) since \(VolumeEvent.timestamp(stall.since)): \(stall.message)")
        }
        if let error = run.specError {
            lines.append("  spec error: the spec file was rejected \(ago(error.since, now)); revision \(run.revision) stays in force:")
            lines.append(contentsOf: error.messages.map { "              \($0)" })
        }
        return lines
    }

    /// `12 s ago`, `3 min ago`, `in 5 s`.
    static func ago(_ date: Date, _ now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        let magnitude = abs(seconds)
        let text =
            magnitude < 120
            ? "\(Int(magnitude.rounded())) s"
            : magnitude < 7200
                ? "\(Int((magnitude / 60).rounded())) min"
                : "\(Int((magnitude / 3600).rounded())) h"
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }

    /// The JSON form: `{formatVersion, volumes: [...]}`.
    public static func json(_ statuses: [VolumeStatus]) -> String {
        struct Document: Encodable {
            var formatVersion: Int
            var volumes: [VolumeStatus]
        }
        return PlanRenderer.encode(Document(formatVersion: PlanRenderer.formatVersion, volumes: statuses))
    }
}
