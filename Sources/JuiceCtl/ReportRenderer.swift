internal import Foundation
public import JuiceCtlCore

/// Prints what `apply` and `down` did, for people and as JSON.
public enum ReportRenderer {
    /// One line per action result, as it ends.
    public static func line(_ result: ActionResult) -> String {
        let action = result.action
        let head =
            "  \(action.change.symbol.padding(toLength: 3, withPad: " ", startingAt: 0)) \(PlanRenderer.label(action)) \(action.target)"
        switch result.outcome {
        case .done(let what): return "\(head): done in \(result.milliseconds) ms: \(what)"
        case .notRun(.skippedByPrecondition(let why)): return "\(head): skipped: \(why)"
        case .failed(let why): return "\(head): FAILED after \(result.milliseconds) ms: \(why)"
        case .notRun(let reason): return "\(head): not run: \(ActionOutcomeRenderer.text(reason))"
        }
    }

    /// The heading printed before a volume's results.
    public static func heading(_ spec: VolumeSpec) -> String {
        "Volume \(spec.name) (\(spec.origin.file), revision \(spec.origin.revision))"
    }

    /// The closing lines of a volume's run: counts, what remains, whether it converged.
    public static func summary(_ report: Reconciler.Report, verb: String = "Apply") -> String {
        var lines: [String] = []
        if report.suspended, let suspend = report.spec.suspend {
            lines.append("  Suspended: \(suspend.reason). Nothing was changed.")
            for action in report.remaining.actions {
                lines.append("  drift:     \(action.change.symbol) \(PlanRenderer.label(action)) \(action.target): \(action.reason)")
            }
            for conflict in report.remaining.conflicts {
                lines.append("  ! \(conflict.blocking ? "blocked" : "conflict") \(conflict.target): \(conflict.message)")
            }
            if report.remaining.isConverged { lines.append("  No drift: the volume is as the spec declares.") }
            return lines.joined(separator: "\n") + "\n"
        }
        if report.results.isEmpty && report.remaining.isConverged {
            return "  No changes: the volume is converged.\n"
        }
        let done = report.results.filter { if case .done = $0.outcome { true } else { false } }.count
        let skipped = report.results.filter { if case .notRun(.skippedByPrecondition) = $0.outcome { true } else { false } }.count
        let failed = report.results.filter(\.failed).count
        let notRun = report.results.filter(\.outcome.heldBack).count
        var counts = "  \(verb): \(done) done, \(skipped) skipped, \(failed) failed"
        if notRun > 0 { counts += ", \(notRun) not run" }
        lines.append(counts + ".")
        for action in report.remaining.actions {
            lines.append("  remaining: \(action.change.symbol) \(PlanRenderer.label(action)) \(action.target): \(action.reason)")
        }
        for conflict in report.remaining.conflicts {
            lines.append("  ! \(conflict.blocking ? "blocked" : "conflict") \(conflict.target): \(conflict.message)")
            if let hint = conflict.hint { lines.append("        hint: \(hint)") }
        }
        if verb == "Apply" {
            lines.append(report.converged ? "  The volume is converged." : "  The volume is NOT converged.")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON document of one or more runs.
    public static func json(_ reports: [Reconciler.Report], operation: String) -> String {
        struct Document: Encodable {
            var formatVersion: Int
            var operation: String
            var volumes: [Volume]
        }
        struct Volume: Encodable {
            var name: String
            var file: String
            var converged: Bool
            var suspended: String?
            var lockWaitMilliseconds: Int64
            var results: [Result]
            var remaining: [Action]
            var conflicts: [Conflict]
        }
        struct Result: Encodable {
            var kind: String
            var target: String
            var change: String
            var outcome: String
            var detail: String
            var milliseconds: Int64
            var details: ActionResult.Details?
        }
        let document = Document(
            formatVersion: PlanRenderer.formatVersion, operation: operation,
            volumes: reports.map { report in
                Volume(
                    name: report.spec.name, file: report.spec.origin.file, converged: report.converged,
                    suspended: report.suspended ? report.spec.suspend?.reason : nil,
                    lockWaitMilliseconds: report.lockWaitMilliseconds,
                    results: report.results.map { result in
                        Result(
                            kind: result.action.kind.rawValue, target: result.action.target, change: result.action.change.rawValue,
                            outcome: ActionOutcomeRenderer.word(result.outcome), detail: ActionOutcomeRenderer.text(result.outcome),
                            milliseconds: result.milliseconds, details: result.details)
                    },
                    remaining: report.remaining.actions, conflicts: report.remaining.conflicts)
            })
        return PlanRenderer.encode(document)
    }
}
