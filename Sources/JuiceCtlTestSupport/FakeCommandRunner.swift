package import JuiceCtl
internal import Synchronization

/// A ``CommandRunning`` that runs nothing: it answers each command with a canned ``CommandResult`` and records
/// every command it was asked to run.
///
/// Commands are matched by their argv: the program's file name followed by the arguments, e.g.
/// `["juicefs", "quota", "get", url, "--path", "/x"]`, so tests do not depend on where the binary lives. When
/// several rules match, the one added last wins, so a test can override a general rule with a specific one.
/// A command no rule matches gets ``unmatched`` (exit 127 with a message naming the command by default) and is
/// listed in ``unmatchedCommands``, so a test notices a call it did not expect.
///
/// ```swift
/// let runner = FakeCommandRunner()
/// runner.on(["juicefs", "status", url], .success(statusJSON))
/// runner.on(prefix: ["juicefs", "quota", "get"], .success(table))
/// ```
package final class FakeCommandRunner: CommandRunning {
    /// Which commands a rule answers.
    package enum Matcher: Sendable {
        /// The argv equals this one exactly.
        case argv([String])
        /// The argv starts with these words.
        case prefix([String])
        /// The predicate returns true for the command.
        case predicate(@Sendable (Command) -> Bool)

        /// Whether `command` (whose argv is `argv`) is matched.
        func matches(_ command: Command, argv: [String]) -> Bool {
            switch self {
            case .argv(let expected): argv == expected
            case .prefix(let prefix): argv.starts(with: prefix)
            case .predicate(let predicate): predicate(command)
            }
        }
    }

    /// How a rule answers.
    package enum Reply: Sendable {
        /// These results in turn, one per call; the last one repeats once they are used up.
        case results([CommandResult])
        /// Whatever the handler returns; it may change other fakes (a `mount` that adds a mountinfo line).
        case handler(@Sendable (Command) -> CommandResult)
        /// The program cannot be started: `run` throws a ``CommandError`` with this reason.
        case cannotStart(String)
        /// Whatever the handler returns after awaiting: a program that takes time (a slow clone). The handler sees
        /// task cancellation as the real runner's teardown of a program.
        case asyncHandler(@Sendable (Command) async -> CommandResult)
    }

    private struct Rule {
        var matcher: Matcher
        var reply: Reply
        var calls = 0
    }

    private struct State {
        var rules: [Rule] = []
        var commands: [Command] = []
        var unmatched: [Command] = []
        var fallback: @Sendable (Command) -> CommandResult = FakeCommandRunner.exit127
    }

    private let state = Mutex(State())

    /// Creates a runner with no rules: every command gets ``unmatched``.
    package init() {}

    // MARK: Rules

    /// Answers the commands `matcher` selects with `reply`.
    package func on(_ matcher: Matcher, reply: Reply) {
        state.withLock { $0.rules.append(Rule(matcher: matcher, reply: reply)) }
    }

    /// Answers the command whose argv is exactly `argv` with `result`.
    package func on(_ argv: [String], _ result: CommandResult) {
        on(.argv(argv), reply: .results([result]))
    }

    /// Answers the command whose argv is exactly `argv` with `results` in turn (the last one repeats).
    package func on(_ argv: [String], inTurn results: [CommandResult]) {
        precondition(!results.isEmpty, "inTurn needs at least one result")
        on(.argv(argv), reply: .results(results))
    }

    /// Answers the command whose argv is exactly `argv` with what `handler` returns.
    package func on(_ argv: [String], handler: @escaping @Sendable (Command) -> CommandResult) {
        on(.argv(argv), reply: .handler(handler))
    }

    /// Answers every command whose argv starts with `prefix` with `result`.
    package func on(prefix: [String], _ result: CommandResult) {
        on(.prefix(prefix), reply: .results([result]))
    }

    /// Answers every command whose argv starts with `prefix` with what `handler` returns.
    package func on(prefix: [String], handler: @escaping @Sendable (Command) -> CommandResult) {
        on(.prefix(prefix), reply: .handler(handler))
    }

    /// Answers every command whose argv starts with `prefix` with what `handler` returns, after it awaits.
    package func on(prefix: [String], asyncHandler: @escaping @Sendable (Command) async -> CommandResult) {
        on(.prefix(prefix), reply: .asyncHandler(asyncHandler))
    }

    /// Answers every command `predicate` accepts with what `handler` returns.
    package func on(
        where predicate: @escaping @Sendable (Command) -> Bool,
        handler: @escaping @Sendable (Command) -> CommandResult
    ) {
        on(.predicate(predicate), reply: .handler(handler))
    }

    /// What a command no rule matches gets. By default: exit 127 and a stderr line naming the command.
    package var unmatched: @Sendable (Command) -> CommandResult {
        get { state.withLock { $0.fallback } }
        set { state.withLock { $0.fallback = newValue } }
    }

    /// Removes every rule and forgets every recorded command.
    package func reset() {
        state.withLock { $0 = State() }
    }

    // MARK: Records

    /// Every command run so far, in order (also those that matched no rule or could not start).
    package var commands: [Command] { state.withLock { $0.commands } }

    /// The argv of every command run so far, in order: program file name, then arguments.
    package var argvs: [[String]] { commands.map(Self.argv) }

    /// Commands no rule matched.
    package var unmatchedCommands: [Command] { state.withLock { $0.unmatched } }

    /// How many commands of `program` (a file name such as `juicefs` or `umount`) were run.
    package func count(of program: String) -> Int {
        state.withLock { $0.commands.filter { $0.programName == program }.count }
    }

    /// The commands run so far whose argv starts with `prefix`.
    package func commands(startingWith prefix: [String]) -> [Command] {
        commands.filter { Self.argv($0).starts(with: prefix) }
    }

    /// A command's argv: its program's file name followed by its arguments.
    package static func argv(_ command: Command) -> [String] {
        [command.programName] + command.arguments
    }

    // MARK: CommandRunning

    package func run(_ command: Command) async throws(CommandError) -> CommandResult {
        let argv = Self.argv(command)
        let reply: Reply? = state.withLock { state in
            state.commands.append(command)
            guard let index = state.rules.lastIndex(where: { $0.matcher.matches(command, argv: argv) }) else {
                state.unmatched.append(command)
                return nil
            }
            defer { state.rules[index].calls += 1 }
            if case .results(let results) = state.rules[index].reply {
                return .results([results[min(state.rules[index].calls, results.count - 1)]])
            }
            return state.rules[index].reply
        }
        switch reply {
        case nil:
            return unmatched(command)
        case .results(let results)?:
            return results[0]
        case .handler(let handler)?:
            return handler(command)
        case .cannotStart(let reason)?:
            throw CommandError(command: command.displayString, reason: reason)
        case .asyncHandler(let handler)?:
            return await handler(command)
        }
    }

    /// The default answer to an unexpected command.
    private static let exit127: @Sendable (Command) -> CommandResult = { command in
        CommandResult(
            termination: .exited(127),
            stderr: "FakeCommandRunner: no response configured for `\(command.displayString)`\n")
    }
}
