internal import Foundation
internal import JuiceCtlCore

extension Reconciler {
    /// The event-log line of one action's result.
    func event(for result: ActionResult, spec: VolumeSpec, operation: String) -> VolumeEvent {
        VolumeEvent(
            time: clock.date(), volume: spec.name, revision: spec.origin.revision, actor: configuration.actor,
            operation: operation, kind: .action, action: result.action.kind.rawValue, target: result.action.target,
            reason: result.action.reason, result: ActionOutcomeRenderer.word(result.outcome),
            message: ActionOutcomeRenderer.text(result.outcome), durationMs: result.milliseconds,
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
        let now = clock.date()
        let event = VolumeEvent(
            time: now, volume: report.spec.name, revision: report.spec.origin.revision, actor: configuration.actor,
            operation: operation, kind: .reconcile, result: result, message: message,
            durationMs: Int64(now.timeIntervalSince(started) * 1000))
        EventLog(stateDir: report.spec.stateDir, host: host).append(event)
    }
}
