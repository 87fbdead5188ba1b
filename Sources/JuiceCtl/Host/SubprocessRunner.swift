internal import Subprocess
internal import SystemPackage

/// Runs programs with swift-subprocess: no inherited file descriptors beyond the standard three, working directory
/// `/`, a new session, `LC_ALL=C`, and a timeout after which the process group gets SIGTERM and then SIGKILL.
public struct SubprocessRunner: CommandRunning {
    /// Most output kept from one stream.
    public var outputLimit: Int

    /// Creates a runner.
    public init(outputLimit: Int = 8 << 20) {
        self.outputLimit = outputLimit
    }

    public func run(_ command: Command) async throws(CommandError) -> CommandResult {
        let clock = ContinuousClock()
        let start = clock.now
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        var environment: [Environment.Key: String?] = ["LC_ALL": "C"]
        for key in command.unsetEnvironment {
            if let key = Environment.Key(rawValue: key) { environment[key] = .some(nil) }
        }
        for (key, value) in command.environment {
            if let key = Environment.Key(rawValue: key) { environment[key] = value }
        }
        let limit = outputLimit
        let platformOptions = options
        let childEnvironment: Environment
        if command.inheritsEnvironment {
            childEnvironment = .inherit.updating(environment)
        } else {
            var clean: [Environment.Key: String] = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"]
            for (key, value) in command.environment {
                if let key = Environment.Key(rawValue: key) { clean[key] = value }
            }
            childEnvironment = .custom(clean)
        }
        do {
            let outcome = try await withThrowingTaskGroup(of: CommandResult?.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        .path(FilePath(command.executable)),
                        arguments: Arguments(command.arguments),
                        environment: childEnvironment,
                        workingDirectory: FilePath(command.workingDirectory),
                        platformOptions: platformOptions,
                        output: .string(limit: limit),
                        error: .string(limit: limit))
                    let termination: CommandResult.Termination
                    switch result.terminationStatus {
                    case .exited(let code): termination = .exited(code)
                    case .signaled(let signal): termination = .signaled(signal)
                    }
                    return CommandResult(termination: termination, stdout: result.standardOutput,
                                         stderr: result.standardError, duration: clock.now - start)
                }
                group.addTask {
                    try await Task.sleep(for: command.timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            return outcome ?? CommandResult(termination: .timedOut, duration: clock.now - start)
        } catch let error as SubprocessError {
            throw CommandError(command: command.displayString, reason: "\(error)")
        } catch is CancellationError {
            return CommandResult(termination: .timedOut, duration: clock.now - start)
        } catch {
            throw CommandError(command: command.displayString, reason: "\(error)")
        }
    }
}
