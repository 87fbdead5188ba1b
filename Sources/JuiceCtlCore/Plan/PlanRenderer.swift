internal import Foundation

/// Prints plans for people (`+ create`, `~ change`, `-/+ replace`, `- remove`, a summary line) and as versioned JSON.
public enum PlanRenderer {
    /// The version of the JSON plan document. Additive changes keep it; anything else raises it.
    public static let formatVersion = 1

    /// Counts of actions by change, over one or more plans.
    public struct Summary: Sendable, Hashable, Codable {
        /// `+` actions.
        public var create = 0
        /// `~` actions.
        public var update = 0
        /// `-/+` actions.
        public var replace = 0
        /// `-` actions.
        public var delete = 0
        /// Conflicts.
        public var conflicts = 0

        /// Creates a summary of `plans`.
        public init(_ plans: [VolumePlan]) {
            for action in plans.flatMap(\.actions) {
                switch action.change {
                case .create: create += 1
                case .update: update += 1
                case .replace: replace += 1
                case .delete: delete += 1
                }
            }
            conflicts = plans.reduce(0) { $0 + $1.conflicts.count }
        }

        /// Whether nothing would change.
        public var isEmpty: Bool { create + update + replace + delete == 0 }
    }

    /// The human form of `plans`, ending with a summary line.
    public static func human(_ plans: [VolumePlan], warnings: [Diagnostic] = []) -> String {
        var lines: [String] = []
        for plan in plans {
            let spec = plan.spec
            lines.append("Volume \(spec.name) (\(spec.origin.file), revision \(spec.origin.revision))")
            if spec.metadata.engine != .sqlite || spec.storage.localPath == nil || spec.backup?.replicaPath == nil && spec.backup != nil {
                let replica = spec.backup.map { ", backup \($0.replica.display)" } ?? ""
                lines.append("  metadata \(spec.metadata.displayURL), storage \(spec.storage.displayEndpoint)\(replica)")
            }
            if let sessions = plan.sessions {
                lines.append("  sessions: " + (sessions.isEmpty ? "none" : sessions.map(\.summary).joined(separator: "; ")))
            }
            if let suspend = spec.suspend {
                lines.append("  Suspended: \(suspend.reason). apply and run change nothing; the drift below is reported only.")
            }
            if plan.isConverged {
                lines.append("  No changes: the volume is converged.")
            }
            let width = max(12, plan.actions.map { label($0).count }.max() ?? 0)
            for action in plan.actions {
                let symbol = action.change.symbol.padding(toLength: 3, withPad: " ", startingAt: 0)
                let name = label(action).padding(toLength: width, withPad: " ", startingAt: 0)
                var line = "  \(symbol) \(name) \(action.target)"
                var notes: [String] = []
                if action.disruption != .none { notes.append("disruption: \(action.disruption.rawValue)") }
                if action.conditional { notes.append("if still needed") }
                if !notes.isEmpty { line += "  [\(notes.joined(separator: ", "))]" }
                lines.append(line)
                lines.append("        \(action.reason)")
            }
            for conflict in plan.conflicts {
                lines.append("  ! \(conflict.blocking ? "blocked" : "conflict") \(conflict.target): \(conflict.message)")
                if let hint = conflict.hint { lines.append("        hint: \(hint)") }
            }
            for note in plan.notes {
                lines.append("  = \(note.kind == .keptInUse ? "kept" : note.kind.rawValue) \(note.target): \(note.message)")
            }
        }
        for warning in warnings {
            lines.append("warning: \(warning)")
        }
        let summary = Summary(plans)
        if summary.isEmpty && summary.conflicts == 0 {
            lines.append("No changes. \(plans.count == 1 ? "The volume is" : "All \(plans.count) volumes are") converged.")
        } else {
            var line =
                """
                Plan: \(summary.create) to create, \(summary.update) to change, \(summary.replace) to replace, \(summary.delete) to \
                remove.
                """
            if summary.conflicts > 0 { line += " \(summary.conflicts) conflict(s) need attention." }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A short verb for an action: `format`, `mount`, `directory`, `quota`, ...
    public static func label(_ action: Action) -> String {
        label(action.kind)
    }

    /// A short verb for a kind of action.
    public static func label(_ kind: Action.Kind) -> String {
        switch kind {
        case .format: "format"
        case .mount: "mount"
        case .remountInPlace: "remount in place"
        case .remount: "unmount+mount"
        case .recoverStaleMount: "recover stale mount"
        case .unmount: "unmount"
        case .flushStaging: "flush staging"
        case .createDirectory: "directory"
        case .secureDirectory: "secure directory"
        case .setQuota: "quota"
        case .removeQuota: "quota"
        case .createCheckpoint: "checkpoint"
        case .deleteCheckpoint: "delete checkpoint"
        case .restore: "restore"
        case .resumeRestore: "resume restore"
        case .removeLeftover: "remove leftover"
        case .repairBookkeeping: "repair bookkeeping"
        case .thawOverlay: "thaw overlay"
        case .thawCgroups: "thaw cgroups"
        case .claimOwnership: "claim ownership"
        case .refreshMetadata: "refresh metadata"
        case .releaseOwnership: "release ownership"
        case .fenceVolume: "fence"
        case .createOverlayImage: "overlay image"
        case .quarantineOverlayImage: "quarantine image"
        case .mountOverlayUpper: "overlay upper"
        case .mountOverlay: "overlay"
        case .unmountOverlay: "unmount overlay"
        case .unmountOverlayUpper: "unmount upper"
        case .detachLoopDevice: "detach loop"
        case .restoreMetadata: "restore metadata"
        case .startBackup: "backup"
        case .restartBackup: "restart backup"
        case .stopBackup: "stop backup"
        }
    }

    /// The JSON document for `plans`: `{formatVersion, volumes: [...], summary}`, keys sorted.
    public static func json(_ plans: [VolumePlan], warnings: [Diagnostic] = []) -> String {
        let document = PlanDocument(
            formatVersion: formatVersion,
            volumes: plans.map { plan in
                PlanDocument.Volume(
                    name: plan.spec.name, file: plan.spec.origin.file, document: plan.spec.origin.document,
                    revision: plan.spec.origin.revision, converged: plan.isConverged,
                    suspended: plan.spec.suspend?.reason,
                    metadata: plan.spec.metadata.displayURL, storage: plan.spec.storage.displayEndpoint,
                    backup: plan.spec.backup?.replica.display, sessions: plan.sessions,
                    actions: plan.actions.map(PlanDocument.ActionEntry.init), conflicts: plan.conflicts,
                    notes: plan.notes.isEmpty ? nil : plan.notes)
            },
            warnings: warnings.map(\.description),
            summary: Summary(plans))
        return encode(document)
    }

    /// Pretty, key-sorted JSON of `value`, ending with a newline.
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    struct PlanDocument: Encodable {
        var formatVersion: Int
        var volumes: [Volume]
        var warnings: [String]
        var summary: Summary

        struct Volume: Encodable {
            var name: String
            var file: String
            var document: Int
            var revision: String
            var converged: Bool
            /// The suspension's reason, when changes are paused.
            var suspended: String?
            /// The metadata engine's URL, without secrets.
            var metadata: String
            /// The object storage, without secrets.
            var storage: String
            /// Where Litestream replicates the metadata (redacted), when the volume has a backup.
            var backup: String?
            /// The engine's client sessions, when observed.
            var sessions: [ClientSession]?
            var actions: [ActionEntry]
            var conflicts: [Conflict]
            /// What the plan leaves alone on purpose (a checkpoint kept while in use), when there is any.
            var notes: [PlanNote]?
        }

        struct ActionEntry: Encodable {
            var kind: String
            var change: String
            var symbol: String
            var target: String
            var reason: String
            var disruption: String
            var conditional: Bool
            var quota: QuotaEntry?
            var changedFlags: [String]?

            init(_ action: Action) {
                kind = action.kind.rawValue
                change = action.change.rawValue
                symbol = action.change.symbol
                target = action.target
                reason = action.reason
                disruption = action.disruption.rawValue
                conditional = action.conditional
                quota = action.quota.map {
                    QuotaEntry(path: $0.path, capacityBytes: $0.capacity?.bytes, capacity: $0.capacity?.description, inodes: $0.inodes)
                }
                changedFlags = action.changedFlags
            }
        }

        struct QuotaEntry: Encodable {
            var path: String
            var capacityBytes: UInt64?
            var capacity: String?
            var inodes: UInt64?
        }
    }
}
