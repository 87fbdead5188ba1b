internal import JuiceCtlCore

/// How actions ended, in words: the outcome's name and its text, as the report, the `--json` document, the event log
/// and the metrics show them.
package enum ActionOutcomeRenderer {
    /// The outcome's name: `done`, `skipped`, `failed` or `not-run`.
    package static func word(_ outcome: ActionResult.Outcome) -> String {
        switch outcome {
        case .done: "done"
        case .failed: "failed"
        case .notRun(.skippedByPrecondition): "skipped"
        case .notRun: "not-run"
        }
    }

    /// What the outcome says: what was done, why it failed, what was found, or why it was not run.
    package static func text(_ outcome: ActionResult.Outcome) -> String {
        switch outcome {
        case .done(let text), .failed(let text): text
        case .notRun(let reason): text(reason)
        }
    }

    /// Why an action did not run.
    package static func text(_ reason: ActionResult.NotRunReason) -> String {
        switch reason {
        case .stopped: stoppedText
        case .prerequisiteFailed(let kind, let target): "\(kind.rawValue) \(target) failed"
        case .skippedByPrecondition(let why): why
        }
    }

    /// The reason ``text(_:)-swift.type.method`` gives `text` for, for a held-back action (a stop request or a
    /// failed prerequisite); `nil` for other words.
    static func heldBackReason(_ text: String) -> ActionResult.NotRunReason? {
        if text == stoppedText { return .stopped }
        guard text.hasSuffix(failedSuffix), let space = text.firstIndex(of: " "),
            let kind = Action.Kind(rawValue: String(text[..<space]))
        else { return nil }
        return .prerequisiteFailed(kind: kind, target: String(text[text.index(after: space)...].dropLast(failedSuffix.count)))
    }

    private static let stoppedText = "juicectl is shutting down; the next run does it"
    private static let failedSuffix = " failed"
}
