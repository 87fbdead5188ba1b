public import JuiceCtlCore

extension Reconciler {
    /// What a run did.
    public struct Report: Sendable, Codable {
        /// The spec.
        public var spec: VolumeSpec
        /// Every action run, in order.
        public var results: [ActionResult]
        /// What remains after the run: empty actions and no conflicts when converged.
        public var remaining: VolumePlan
        /// How long the run waited for the volume lock, in milliseconds.
        public var lockWaitMilliseconds: Int64
        /// The last observation of the run (what ``remaining`` was planned from).
        public var observation: VolumeObservation?
        /// The spec suspends changes: nothing was run, ``remaining`` is the drift.
        public var suspended = false
        /// A stop request ended the run between actions.
        public var interrupted = false

        /// Creates a report.
        public init(
            spec: VolumeSpec, results: [ActionResult], remaining: VolumePlan, lockWaitMilliseconds: Int64,
            observation: VolumeObservation? = nil, suspended: Bool = false, interrupted: Bool = false
        ) {
            self.spec = spec
            self.results = results
            self.remaining = remaining
            self.lockWaitMilliseconds = lockWaitMilliseconds
            self.observation = observation
            self.suspended = suspended
            self.interrupted = interrupted
        }

        /// Whether the volume is as the spec declares.
        public var converged: Bool { remaining.isConverged && !results.contains(where: \.failed) }
        /// Whether any action failed.
        public var failed: Bool { results.contains(where: \.failed) }
    }
}
