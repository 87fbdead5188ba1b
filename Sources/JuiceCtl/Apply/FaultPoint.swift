internal import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named step boundaries of long, multi-step actions (checkpoint create, delete, restore). In debug builds,
/// `JUICECTL_FAULT_AT=<name>` kills the process with SIGKILL when it reaches that boundary, so tests can prove that
/// the next run completes or rolls back what was cut short. Release builds ignore the variable.
public enum FaultPoint {
    /// Every boundary, in the order the actions reach them.
    public static let all = [
        "checkpoint.after-clone", "checkpoint.after-manifest", "checkpoint.after-rename",
        "delete.after-trash", "delete.after-manifest",
        "restore.after-journal", "restore.after-clone", "restore.after-manifest", "restore.after-exchange",
        "restore.after-aside", "restore.after-quotas", "restore.after-lineage",
    ]

    /// Marks a boundary.
    static func reach(_ name: String) {
        #if DEBUG
        if let target = ProcessInfo.processInfo.environment["JUICECTL_FAULT_AT"], target == name {
            FileHandle.standardError.write(Data("juicectl: fault injection: killed at \(name)\n".utf8))
            kill(getpid(), SIGKILL)
        }
        #endif
    }
}
