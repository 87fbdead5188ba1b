public import JuiceCtlCore

extension Reconciler {
    /// The volume is not mounted: checkpoint commands need a converged volume.
    public struct NotMounted: Error, Sendable, CustomStringConvertible {
        /// The volume.
        public var volume: String
        /// Its mount point.
        public var path: String

        public var description: String {
            "volume \(volume) is not mounted and answering at \(path); run juicectl apply first"
        }
    }

    /// Creates a checkpoint of `/active` (after completing anything an interrupted operation left).
    public func createCheckpoint(
        _ spec: VolumeSpec, _ request: Action.CheckpointRequest,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(request.name)
        let action = Action(.createCheckpoint(request), .create, target: request.name, reason: "requested")
        return try await imperative(spec, operation: "checkpoint create", action: action, onResult: onResult)
    }

    /// Deletes a checkpoint; a pinned one only with `force`.
    public func deleteCheckpoint(
        _ spec: VolumeSpec, name: String, force: Bool = false,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(name)
        let action = Action(.deleteCheckpoint(.init(name: name, force: force)), .delete, target: name, reason: "requested")
        return try await imperative(spec, operation: "checkpoint delete", action: action, onResult: onResult)
    }

    /// Restores `/active` to a checkpoint; the replaced tree is kept as a pre-restore checkpoint. While something
    /// uses `/active`, it refuses and changes nothing, unless `terminateUsers`: then those processes get SIGTERM, and
    /// SIGKILL after `grace`.
    public func restore(
        _ spec: VolumeSpec, name: String, terminateUsers: Bool = false,
        grace: TimeSpan = VolumeSpec.RestoreRequest.defaultGrace,
        onResult: @Sendable (ActionResult) -> Void = { _ in }
    ) async throws -> Report {
        try CheckpointName.validate(name)
        var request = Action.CheckpointRequest(name: name)
        request.terminateUsers = terminateUsers
        request.grace = grace
        let action = Action(.restore(request), .replace, target: VolumeLayout.active, reason: "requested", disruption: .interrupting)
        return try await imperative(spec, operation: "restore", action: action, onResult: onResult)
    }

    /// What an imperative command completes first of what the plan holds: what an interrupted operation left.
    static let recoveryKinds: Set<Action.Kind> = [.thawCgroups, .secureDirectory, .repairBookkeeping, .resumeRestore, .removeLeftover]

    /// Under the lock: requires a live mount, finishes interrupted operations first, then runs `action`.
    private func imperative(
        _ spec: VolumeSpec, operation: String, action: Action,
        onResult: @Sendable (ActionResult) -> Void
    ) async throws -> Report {
        try await locked(spec, operation: operation) { lockWait in
            let started = clock.date()
            let observation = await observer.observe(spec, fullCatalog: false)
            guard observation.mount.live != nil else { throw NotMounted(volume: spec.name, path: spec.mount.path) }
            let plan = Planner.plan(spec, observation)
            // Nothing is done through an entry someone else could have planted: the plan names it, and so does this.
            if let unsafe = observation.guards?.unsafe.first {
                throw VolumeCallFailure(operation: operation, result: .unsafe(unsafe))
            }
            let recovery = plan.actions.filter { Self.recoveryKinds.contains($0.kind) }
            var results = await execute(recovery, spec: spec, operation: operation, onResult: onResult)
            if !results.contains(where: \.failed) {
                results += await execute([action], spec: spec, operation: operation, onResult: onResult)
            }
            let after = await observe(spec)
            let report = Report(
                spec: spec, results: results, remaining: Planner.plan(spec, after), lockWaitMilliseconds: lockWait,
                observation: after)
            recordRun(report, operation: operation, started: started)
            return report
        }
    }
}
