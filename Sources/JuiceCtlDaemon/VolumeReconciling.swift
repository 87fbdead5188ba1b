package import JuiceCtl
package import JuiceCtlCore

/// What the daemon needs from the reconciler: converge a volume, or only observe and plan it. ``Reconciler``
/// provides both; tests give the supervisor scripted outcomes.
package protocol VolumeReconciling: Sendable {
    /// Converges the volume under its lock (observes and plans only when the spec suspends changes).
    func apply(_ spec: VolumeSpec) async throws -> Reconciler.Report
    /// Observes and plans without changing anything and without the lock.
    func plan(_ spec: VolumeSpec) async -> (plan: VolumePlan, observation: VolumeObservation)
}

extension Reconciler: VolumeReconciling {
    package func apply(_ spec: VolumeSpec) async throws -> Reconciler.Report {
        try await apply(spec, onResult: { _ in })
    }

    package func plan(_ spec: VolumeSpec) async -> (plan: VolumePlan, observation: VolumeObservation) {
        await plan(spec, sessions: false)
    }
}
