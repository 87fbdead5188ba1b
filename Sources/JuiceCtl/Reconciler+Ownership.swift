public import JuiceCtlCore

extension Reconciler {
    /// Takes the volume over from an owner that is gone (the operator's word for it): this host owns it with a new
    /// generation, and the old owner is fenced when it comes back. Starts nothing: `apply` does that.
    public func takeover(_ spec: VolumeSpec, onResult: @Sendable (ActionResult) -> Void = { _ in }) async throws -> Report {
        let action = Action(.claimOwnership, .replace, target: spec.name, reason: "takeover requested")
        return try await locked(spec, operation: "takeover") { lockWait in
            let started = clock.date()
            let (outcome, elapsed) = await clock.measure { () async -> ActionResult.Outcome in
                do {
                    return try await executor.takeOverOwnership(spec)
                } catch {
                    return .failed(Executor.describe(error))
                }
            }
            let result = ActionResult(action: action, outcome: outcome, milliseconds: elapsed.milliseconds)
            if configuration.recordEvents {
                EventLog(stateDir: spec.stateDir, host: host).append(event(for: result, spec: spec, operation: "takeover"))
            }
            onResult(result)
            let report = Report(
                spec: spec, results: [result], remaining: Planner.plan(spec, await observe(spec)), lockWaitMilliseconds: lockWait)
            recordRun(report, operation: "takeover", started: started)
            return report
        }
    }
}
