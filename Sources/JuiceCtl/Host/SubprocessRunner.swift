internal import Foundation
public import JuiceCtlCore
internal import Subprocess
internal import SystemPackage

#if canImport(Glibc)
    internal import Glibc
#endif

/// Runs programs with swift-subprocess: no inherited file descriptors beyond the standard three, working directory
/// `/`, a new session, the environment ``ChildEnvironment`` builds (never juicectl's whole one), and a timeout after
/// which the process group gets SIGTERM and then SIGKILL. Durations and timeouts are measured and waited on `clock`.
public struct SubprocessRunner: CommandRunning {
    /// Most output kept from one stream.
    public var outputLimit: Int
    /// What durations and timeouts are measured and waited on.
    public var clock: HostClock

    /// Creates a runner.
    public init(outputLimit: Int = 8 << 20, clock: HostClock = .system) {
        self.outputLimit = outputLimit
        self.clock = clock
    }

    public func run(_ command: Command) async throws(CommandError) -> CommandResult {
        let clock = self.clock
        let start = clock.now()
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        var variables: [Environment.Key: String] = [:]
        for (key, value) in ChildEnvironment.build(command, parent: ProcessInfo.processInfo.environment) {
            if let key = Environment.Key(rawValue: key) { variables[key] = value }
        }
        let childEnvironment = Environment.custom(variables)
        let limit = outputLimit
        let platformOptions = options
        do {
            let outcome = try await withThrowingTaskGroup(of: CommandResult?.self) { group in
                group.addTask {
                    let configuration = Configuration(
                        executable: .path(FilePath(command.executable)), arguments: Arguments(command.arguments),
                        environment: childEnvironment, workingDirectory: FilePath(command.workingDirectory),
                        platformOptions: platformOptions)
                    let result =
                        if let input = command.input {
                            try await Self.run(configuration, input: .string(input), limit: limit)
                        } else {
                            try await Self.run(configuration, input: .none, limit: limit)
                        }
                    let termination: CommandResult.Termination
                    switch result.terminationStatus {
                    case .exited(let code): termination = .exited(code)
                    case .signaled(let signal): termination = .signaled(signal)
                    }
                    return CommandResult(
                        termination: termination, stdout: result.standardOutput,
                        stderr: result.standardError, duration: clock.now() - start)
                }
                group.addTask {
                    try await clock.sleep(command.timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            return outcome ?? CommandResult(termination: .timedOut, duration: clock.now() - start)
        } catch let error as SubprocessError {
            throw CommandError(command: command.displayString, reason: "\(error)")
        } catch is CancellationError {
            return CommandResult(termination: .timedOut, duration: clock.now() - start)
        } catch {
            throw CommandError(command: command.displayString, reason: "\(error)")
        }
    }

    /// Runs `configuration` with `input` on its standard input, collecting both output streams up to `limit`.
    private static func run(
        _ configuration: Configuration, input: some InputProtocol,
        limit: Int
    ) async throws -> ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>> {
        if !(input is NoInput) { ignoreBrokenPipes }
        return try await Subprocess.run(configuration, input: input, output: .string(limit: limit), error: .string(limit: limit))
    }

    /// A child that exits before it read all of its input must not kill juicectl with SIGPIPE: ignored process-wide,
    /// once, before the first program is given input (a write to the closed pipe then fails with `EPIPE`, and the
    /// command's result says how the program ended). Children start with every signal at its default (swift-subprocess
    /// spawns with `POSIX_SPAWN_SETSIGDEF`), so they are not affected.
    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()
}
