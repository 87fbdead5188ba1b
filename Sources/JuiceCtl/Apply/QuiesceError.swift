internal import Foundation
public import JuiceCtlCore

/// Why a quiesced checkpoint failed, with what to do next. Whatever was frozen has been thawed, and `post` hooks
/// have run, before any of these is reported.
public enum QuiesceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// When a hook runs.
    public enum Phase: String, Sendable, Hashable, Codable {
        /// Before the freeze.
        case pre
        /// After the thaw.
        case post
    }

    /// A hook exited non-zero, was killed, or ran past `hookTimeout`.
    case hookFailed(phase: Phase, command: [String], ended: String, outputTail: String)
    /// A hook could not be started.
    case hookNotStarted(phase: Phase, command: [String], reason: String)
    /// A cgroup of `quiesce.cgroups` cannot be frozen.
    case cgroupUnusable(path: String, reason: String)
    /// Freezing a cgroup would stop a process the checkpoint itself needs.
    case wouldFreezeItself(path: String, process: String)
    /// The kernel refused the freeze or the thaw.
    case controlWriteFailed(path: String, value: String, errno: Int32)
    /// The cgroups did not report frozen in time (a task in uninterruptible sleep, for example).
    case didNotFreeze(paths: [String], waitedMilliseconds: Int64)
    /// The clone would have kept the sandbox frozen past `maxFrozen`: it was abandoned.
    case frozenTooLong(limit: TimeSpan, frozenMilliseconds: Int64, tree: TreeSize?)
    /// The watchdog thawed the sandbox while the clone still ran (juicectl was held up): the copy is not one instant.
    case thawedByWatchdog(limit: TimeSpan)

    public var description: String {
        switch self {
        case .hookFailed(let phase, let command, let ended, let tail):
            let output = tail.isEmpty ? "no output" : "output ends: \(tail)"
            return "the quiesce \(phase.rawValue) hook \(Self.show(command)) failed (\(ended)); \(output). "
                + "The checkpoint was not made; fix the hook or remove it from checkpoints.quiesce.\(phase.rawValue)"
        case .hookNotStarted(let phase, let command, let reason):
            return "the quiesce \(phase.rawValue) hook \(Self.show(command)) could not be started: \(reason). "
                + "The checkpoint was not made; hooks are absolute paths of executables"
        case .cgroupUnusable(let path, let reason):
            return "quiesce cgroup \(path) cannot be frozen: \(reason). The checkpoint was not made; name the sandbox's own "
                + "cgroup (a cgroup v1 freezer or a cgroup v2 directory) in checkpoints.quiesce.cgroups"
        case .wouldFreezeItself(let path, let process):
            return "quiesce cgroup \(path) holds \(process), which the checkpoint needs running: freezing it would hang the "
                + "checkpoint. The checkpoint was not made; move that process out of the sandbox's cgroup, or name a narrower cgroup"
        case .controlWriteFailed(let path, let value, let code):
            return
                """
                writing \(value) to \(path) failed: \(String(cString: strerror(code))). Anything frozen was thawed; the checkpoint \
                was not made
                """
        case .didNotFreeze(let paths, let waited):
            return "\(paths.joined(separator: ", ")) did not report frozen within \(waited) ms (a task there may be in "
                + "uninterruptible sleep); they were thawed and the checkpoint was not made. Retry, or raise checkpoints.quiesce.maxFrozen"
        case .frozenTooLong(let limit, let frozen, let tree):
            let size = tree.map { " /active holds \($0)." } ?? ""
            return "cloning /active would keep the sandbox frozen past checkpoints.quiesce.maxFrozen (\(limit)): the clone was "
                + """
                abandoned and the sandbox thawed after \(frozen) ms.\(size) No checkpoint was made; raise maxFrozen or make the tree \
                smaller
                """
        case .thawedByWatchdog(let limit):
            return "the freeze watchdog thawed the sandbox at its limit (checkpoints.quiesce.maxFrozen \(limit) and 1 s) while the "
                + "clone still ran, so the copy would not be one instant; no checkpoint was made"
        }
    }

    private static func show(_ command: [String]) -> String {
        "`" + command.joined(separator: " ") + "`"
    }
}
