public import Foundation

/// Why a condition has its status: the reason machines key on and the sentence people read.
typealias ConditionCause = (reason: ConditionReason, message: String)

/// A condition of a volume, Kubernetes style: a type, a status, a machine-readable reason and a human message.
public struct Condition: Sendable, Hashable, Codable {
    /// Which condition it is: `Ready`, `Degraded`, `BackupFresh`, `Suspended` or (from `juicectl run`) `Stalled`, ...
    public var type: ConditionType
    /// Whether the condition holds.
    public var status: Bool
    /// The CamelCase reason machines key on: `Converged`, `NotMounted`, `StaleMount`, a conflict's code, ...
    public var reason: ConditionReason
    /// What a person should know.
    public var message: String
    /// The spec revision the condition describes.
    public var observedRevision: String
    /// Since when the status has held (Kubernetes' `lastTransitionTime`), when known: `juicectl run` tracks it.
    public var since: Date?

    /// Creates a condition.
    public init(type: ConditionType, status: Bool, reason: ConditionReason, message: String, observedRevision: String, since: Date? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedRevision = observedRevision
        self.since = since
    }
}
