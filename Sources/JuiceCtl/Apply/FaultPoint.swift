internal import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Named step boundaries of long, multi-step actions (checkpoint create, delete, restore). In debug builds,
/// `JUICECTL_FAULT_AT=<name>` kills the process with SIGKILL when it reaches that boundary, so tests can prove that
/// the next run completes or rolls back what was cut short. Release builds ignore the variable.
package enum FaultPoint {
    /// Every boundary, in the order the actions reach them.
    package static let all = [
        "overlay.after-freeze", "overlay.after-image-clone",
        "checkpoint.after-clone", "checkpoint.after-manifest", "checkpoint.after-rename",
        "delete.after-trash", "delete.after-manifest",
        "restore.after-journal", "restore.after-clone", "restore.after-manifest", "restore.after-exchange",
        "restore.after-aside", "restore.after-quotas", "restore.after-lineage",
    ]

    /// Marks a boundary where a step may also fail: `JUICECTL_FAULT_AT=<name>:fail` throws here (debug builds),
    /// to prove that the error path cleans up (for example, that a frozen filesystem is thawed).
    static func check(_ name: String) throws {
        #if DEBUG
            if ProcessInfo.processInfo.environment["JUICECTL_FAULT_AT"] == "\(name):fail" {
                throw StepError("fault injection: failed at \(name)")
            }
        #endif
        reach(name)
    }

    /// Marks a boundary. `JUICECTL_FAULT_AT=<name>:pause` holds the step there for `JUICECTL_FAULT_PAUSE_MS`
    /// (default 3000) instead, announcing it on stderr, so that tests can signal a process in the middle of a step.
    static func reach(_ name: String) {
        #if DEBUG
            let environment = ProcessInfo.processInfo.environment
            if let target = environment["JUICECTL_FAULT_AT"], target == name {
                FileHandle.standardError.write(Data("juicectl: fault injection: killed at \(name)\n".utf8))
                kill(getpid(), SIGKILL)
            }
            if environment["JUICECTL_FAULT_AT"] == "\(name):pause" {
                let milliseconds = environment["JUICECTL_FAULT_PAUSE_MS"].flatMap { UInt32($0) } ?? 3000
                FileHandle.standardError.write(Data("juicectl: fault injection: pausing \(milliseconds) ms at \(name)\n".utf8))
                usleep(milliseconds * 1000)
            }
        #endif
    }
}
