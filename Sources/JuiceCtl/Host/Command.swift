/// One invocation of an external program, as a value: what to run, with which arguments, for how long at most.
public struct Command: Sendable, Hashable {
    /// Absolute path of the program.
    public var executable: String
    /// Arguments after the program name.
    public var arguments: [String]
    /// Variables the program gets with these values: the secrets of its own volume, and what it is told (values are
    /// never logged). See ``ChildEnvironment`` for everything else it gets.
    public var environment: [String: String]
    /// Variables of juicectl's environment the program never gets, even when a group in ``inherits`` holds them
    /// (for example `AWS_CA_BUNDLE`, which Litestream's S3 client cannot load).
    public var unsetEnvironment: [String]
    /// The groups of juicectl's own variables the program gets besides ``ChildEnvironment``'s base; none by default.
    /// A program never starts from juicectl's whole environment, which may hold other volumes' secrets.
    public var inherits: Set<InheritedVariables>
    /// Working directory; `/` by default so that no child ever sits inside a mount.
    public var workingDirectory: String
    /// How long the program may run before it is terminated (SIGTERM, then SIGKILL).
    public var timeout: Duration
    /// What the program reads on its standard input (`nil`: `/dev/null`). For options that must not be on a command
    /// line, which every local user can read in `/proc/PID/cmdline`: `curl --config -` with its credentials. Never
    /// logged, never in ``displayString`` or ``description``.
    public var input: String?

    /// Creates a command.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], unsetEnvironment: [String] = [],
        inherits: Set<InheritedVariables> = [], workingDirectory: String = "/", timeout: Duration = .seconds(60),
        input: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.unsetEnvironment = unsetEnvironment
        self.inherits = inherits
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.input = input
    }

    /// The program's file name, for logs: `juicefs`, `umount`.
    public var programName: String {
        String(executable.split(separator: "/").last ?? Substring(executable))
    }

    /// `program arg arg ...` for logs and error messages.
    public var displayString: String {
        ([programName] + arguments).joined(separator: " ")
    }
}

extension Command: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// ``displayString``: a command interpolated into a message shows neither its environment nor its input.
    public var description: String { displayString }

    /// ``displayString``, with the names (not the values) of the variables it sets.
    public var debugDescription: String {
        let names = environment.keys.sorted()
        return displayString + (names.isEmpty ? "" : " [environment: \(names.joined(separator: ", "))]")
            + (inherits.isEmpty ? "" : " [inherits: \(inherits.sorted().map(\.rawValue).joined(separator: ", "))]")
            + (input.map { " [input: \($0.utf8.count) bytes]" } ?? "")
    }

    /// What `dump` and test failure messages show: no environment value, no input.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "executable": executable, "arguments": arguments,
                "environment": environment.keys.sorted(), "input": input.map { "\($0.utf8.count) bytes" } ?? "none",
                "timeout": timeout,
            ], displayStyle: .struct)
    }
}

/// How a program ended, with what it printed.
public struct CommandResult: Sendable, Hashable {
    /// How the program ended.
    public enum Termination: Sendable, Hashable {
        /// It exited with this code.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)
        /// It ran past its timeout and was terminated.
        case timedOut
    }

    /// How it ended.
    public var termination: Termination
    /// Standard output.
    public var stdout: String
    /// Standard error.
    public var stderr: String
    /// Wall time.
    public var duration: Duration

    /// Creates a result.
    public init(termination: Termination, stdout: String = "", stderr: String = "", duration: Duration = .zero) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration
    }

    /// Whether it exited with 0.
    public var succeeded: Bool { termination == .exited(0) }

    /// A one-line account of how it ended: `exit 1`, `signal 9`, `timed out`.
    public var terminationDescription: String {
        switch termination {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "signal \(signal)"
        case .timedOut: "timed out"
        }
    }
}

/// The one interface through which juicectl runs external programs. Planners never see it; executors and the
/// observer receive it, so that tests can inject a fake and every invocation can be logged and timed.
public protocol CommandRunning: Sendable {
    /// Runs `command` to completion (or its timeout). A non-zero exit is a result, not an error.
    ///
    /// - Throws: ``CommandError`` when the program cannot be started at all.
    func run(_ command: Command) async throws(CommandError) -> CommandResult
}

/// A program that could not be started.
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command.
    public var command: String
    /// Why it could not start.
    public var reason: String

    /// Creates an error.
    public init(command: String, reason: String) {
        self.command = command
        self.reason = reason
    }

    public var description: String { "cannot run \(command): \(reason)" }
}
