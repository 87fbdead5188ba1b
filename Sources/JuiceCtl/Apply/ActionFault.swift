internal import Foundation
internal import JuiceCtlCore
internal import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Faults injected into whole actions, for the tests that prove every action kind recovers (debug builds only;
/// release builds ignore the variable). `JUICECTL_FAULT_ACTION=<kind>:<mode>`, `kind` an ``Action/Kind`` raw value:
///
/// - `fail`: the first external program the action runs fails (exit 1, `fault injection` on stderr) without
///   running;
/// - `kill`: the first external program the action runs is started and killed with SIGKILL after
///   `JUICECTL_FAULT_KILL_MS` (default 0) milliseconds, unless it ended before (exit 137 when it was killed);
/// - `crash-after`: juicectl kills itself with SIGKILL as soon as the action has ended, before it records
///   anything or starts the next one.
///
/// Finer, step-level faults inside checkpoint, delete, restore and the overlay freeze are ``FaultPoint``s.
enum ActionFault {
    /// The ways an action is cut short.
    enum Mode: String, CaseIterable {
        case fail
        case kill
        case crashAfter = "crash-after"
    }

    /// The action running in this task, for ``Runner``.
    @TaskLocal static var current: Action.Kind?

    /// The mode asked for `kind`, in a debug build.
    static func requested(for kind: Action.Kind?) -> Mode? {
        #if DEBUG
            guard let kind, let text = ProcessInfo.processInfo.environment["JUICECTL_FAULT_ACTION"],
                let colon = text.lastIndex(of: ":"), text[..<colon] == kind.rawValue
            else { return nil }
            return Mode(rawValue: String(text[text.index(after: colon)...]))
        #else
            return nil
        #endif
    }

    /// Called when an action has ended: `crash-after` ends the process here.
    static func actionEnded(_ kind: Action.Kind) {
        guard requested(for: kind) == .crashAfter else { return }
        FileHandle.standardError.write(Data("juicectl: fault injection: killed after \(kind.rawValue)\n".utf8))
        kill(getpid(), SIGKILL)
    }

    /// `runner`, wrapped when a debug build is asked for a `fail` or `kill` fault.
    static func wrapping(_ runner: any CommandRunning) -> any CommandRunning {
        #if DEBUG
            if ProcessInfo.processInfo.environment["JUICECTL_FAULT_ACTION"] != nil { return Runner(runner) }
        #endif
        return runner
    }

    /// Wraps a runner: the first program of an action with a `fail` or `kill` fault is failed or killed.
    final class Runner: CommandRunning {
        private let base: any CommandRunning
        private let injected = Mutex<Set<Action.Kind>>([])

        init(_ base: any CommandRunning) {
            self.base = base
        }

        func run(_ command: Command) async throws(CommandError) -> CommandResult {
            guard let kind = ActionFault.current, let mode = ActionFault.requested(for: kind), mode != .crashAfter,
                injected.withLock({ $0.insert(kind).inserted })
            else {
                return try await base.run(command)
            }
            FileHandle.standardError.write(
                Data("juicectl: fault injection: \(mode.rawValue) \(command.programName) in \(kind.rawValue)\n".utf8))
            switch mode {
            case .fail, .crashAfter:
                return CommandResult(termination: .exited(1), stderr: "fault injection: \(command.programName) failed\n")
            case .kill:
                let delay = ProcessInfo.processInfo.environment["JUICECTL_FAULT_KILL_MS"].flatMap(Double.init) ?? 0
                // The shell starts the program, waits, and kills it; the program's own exit wins when it ends first.
                let script =
                    "\"$@\" & child=$!; sleep \(delay / 1000); if kill -9 $child 2>/dev/null; then wait $child; exit 137; fi; wait $child"
                var wrapped = command
                wrapped.executable = "/bin/sh"
                wrapped.arguments = ["-c", script, "sh", command.executable] + command.arguments
                return try await base.run(wrapped)
            }
        }
    }
}
