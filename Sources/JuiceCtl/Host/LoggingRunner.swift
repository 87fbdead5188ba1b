internal import JuiceCtlCore
public import Logging
internal import Synchronization

/// Wraps a runner: logs every invocation with its duration and outcome, and keeps a record of them (used by the
/// apply report, by tests that count `juicefs` calls, and by benchmarks).
public final class LoggingRunner: CommandRunning {
    /// One invocation as recorded.
    public struct Invocation: Sendable, Hashable {
        /// `program args...` (arguments only; the environment is never recorded).
        public var command: String
        /// The program's file name.
        public var program: String
        /// `exit 0`, `signal 9`, `timed out`, or why it did not start.
        public var outcome: String
        /// Wall time.
        public var duration: Duration
    }

    private let base: any CommandRunning
    private let logger: Logger
    private let records = Mutex<[Invocation]>([])

    /// Wraps `base`, logging to `logger`.
    public init(_ base: any CommandRunning, logger: Logger) {
        self.base = base
        self.logger = logger
    }

    /// Everything run so far.
    public var invocations: [Invocation] { records.withLock { $0 } }

    /// How many times `program` was run so far.
    public func count(of program: String) -> Int {
        records.withLock { $0.filter { $0.program == program }.count }
    }

    public func run(_ command: Command) async throws(CommandError) -> CommandResult {
        logger.debug("run", metadata: ["command": "\(command.displayString)"])
        let result: CommandResult
        do {
            result = try await base.run(command)
        } catch {
            record(Invocation(command: command.displayString, program: command.programName, outcome: error.reason, duration: .zero))
            logger.debug("could not start", metadata: ["command": "\(command.displayString)", "error": "\(error.reason)"])
            throw error
        }
        record(
            Invocation(
                command: command.displayString, program: command.programName,
                outcome: result.terminationDescription, duration: result.duration))
        logger.debug(
            "ran",
            metadata: [
                "command": "\(command.displayString)",
                "result": "\(result.terminationDescription)",
                "ms": "\(result.duration.milliseconds)",
            ])
        return result
    }

    private func record(_ invocation: Invocation) {
        records.withLock { $0.append(invocation) }
    }
}
