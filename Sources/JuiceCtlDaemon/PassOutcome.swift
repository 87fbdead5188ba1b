package import JuiceCtl
package import JuiceCtlCore

/// How one pass ended, classified for retrying: a failure is retried with backoff, a refusal stalls the volume
/// until its spec changes, everything else waits for the next period.
package struct PassOutcome: Sendable, Hashable {
    /// The result as the status file and the metrics name it.
    package var result: RunStatus.Pass.Result
    /// What happened, for people.
    package var message: String
    /// For `blocked`: the conflict's code.
    package var stallReason: ConflictCode?

    /// Classifies a finished run.
    package static func classify(_ report: Reconciler.Report) -> PassOutcome {
        let ran = report.results.count
        if report.suspended {
            let drift = report.remaining.actions.count
            return PassOutcome(
                result: .suspended,
                message: "suspended (\(report.spec.suspend?.reason ?? "")): "
                    + (drift == 0 ? "no drift" : "\(drift) change(s) pending, not applied"))
        }
        if let failure = report.results.first(where: \.failed), case .failed(let why) = failure.outcome {
            return PassOutcome(result: .failed, message: "\(PlanRenderer.label(failure.action)) \(failure.action.target) failed: \(why)")
        }
        if report.interrupted {
            return PassOutcome(result: .interrupted, message: "stopped for shutdown after \(ran) action(s); the next run continues")
        }
        if let blocking = report.remaining.conflicts.first(where: \.blocking) {
            if blocking.code.isTransient {
                // A server that does not answer now may answer later: retried with backoff, never a stall.
                return PassOutcome(result: .failed, message: blocking.message)
            }
            return PassOutcome(
                result: .blocked, message: blocking.message + (blocking.hint.map { " (hint: \($0))" } ?? ""),
                stallReason: blocking.code)
        }
        if !report.remaining.actions.isEmpty {
            let pending = report.remaining.actions.map { "\(PlanRenderer.label($0)) \($0.target)" }.joined(separator: "; ")
            return PassOutcome(result: .failed, message: "after \(ran) action(s), still pending: \(pending)")
        }
        if let conflict = report.remaining.conflicts.first {
            return PassOutcome(result: .conflicted, message: "\(ran) action(s); conflict: \(conflict.message)")
        }
        return PassOutcome(result: .converged, message: ran == 0 ? "nothing to do" : "\(ran) action(s), converged")
    }

    /// Classifies a run that threw before it could report (the lock was busy, the state directory unwritable).
    package static func classify(_ error: any Error) -> PassOutcome {
        if error is VolumeLock.Busy {
            return PassOutcome(result: .busy, message: "\(error)")
        }
        return PassOutcome(result: .failed, message: "\(error)")
    }
}
