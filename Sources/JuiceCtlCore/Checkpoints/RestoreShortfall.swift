public import Foundation

/// Why a restore that completed left part of the spec undone: the reason of the volume's `Degraded` condition.
public enum RestoreShortfallReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A quota's directory lies below a symbolic link in the restored tree: juicectl follows no link inside the
    /// volume (it could point anywhere on the host), so neither the directory nor the quota was made.
    case quotaPathIsSymbolicLink = "RestoreQuotaPathIsSymbolicLink"
    /// A quota's directory could not be created in the restored tree.
    case quotaDirectoryNotCreated = "RestoreQuotaDirectoryNotCreated"
    /// `juicefs quota set` failed on the restored tree, or `juicefs quota get` did not read its limits back.
    case quotaNotSet = "RestoreQuotaNotSet"
    /// A quota stayed on the replaced tree (the pre-restore checkpoint): `juicefs quota delete` or `list` failed.
    case replacedTreeQuotaKept = "RestoreReplacedTreeQuotaKept"
}

/// What a completed restore could not do after the swap. The restore itself is done (the restored tree is
/// `/active`, the replaced one a checkpoint, the journal gone), so later checkpoints and restores work; the volume
/// is `Degraded` until each problem is resolved (the quota is set, or leaves the spec) or a later restore completes.
public struct RestoreShortfall: Sendable, Hashable, Codable {
    /// One step that failed.
    public struct Problem: Sendable, Hashable, Codable {
        /// The volume path it concerns (a quota's directory).
        public var path: String
        /// Why.
        public var reason: RestoreShortfallReason
        /// What the failed step said.
        public var message: String

        /// Creates a problem.
        public init(path: String, reason: RestoreShortfallReason, message: String) {
            self.path = path
            self.reason = reason
            self.message = message
        }
    }

    /// The checkpoint that was restored.
    public var checkpoint: String
    /// When the restore completed.
    public var completedAt: Date
    /// What it could not do, in order.
    public var problems: [Problem]

    /// Creates a record.
    public init(checkpoint: String, completedAt: Date, problems: [Problem]) {
        self.checkpoint = checkpoint
        self.completedAt = completedAt
        self.problems = problems
    }

    /// The problems that still hold against `spec` and what was observed: a quota problem ends once the quota is
    /// read as the spec declares it or the spec no longer declares it. Pure.
    public func unresolved(spec: VolumeSpec, quotas: [String: QuotaReading]?) -> [Problem] {
        problems.filter { problem in
            switch problem.reason {
            case .replacedTreeQuotaKept:
                return true
            case .quotaPathIsSymbolicLink, .quotaDirectoryNotCreated, .quotaNotSet:
                guard let quota = spec.quotas.first(where: { $0.path == problem.path }) else { return false }
                return quotas?[problem.path].map { !$0.matches(quota) } ?? true
            }
        }
    }
}
