import Foundation
import JuiceCtl

/// Runs programs for the integration tests through the product's own runner (swift-subprocess).
enum Shell {
    /// Runs `executable` with `arguments` in the test's own environment plus `environment` (the product's runner
    /// passes only what a command names, so the whole environment is named here); `PATH` starts with the juicefs
    /// directory so juicectl finds it.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        if environment["PATH"] == ProcessInfo.processInfo.environment["PATH"] { environment["PATH"] = nil }
        if environment["PATH"] == nil, let juicefs = Prerequisites.juicefs {
            let directory = (juicefs as NSString).deletingLastPathComponent
            environment["PATH"] = "\(directory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        }
        return try await SubprocessRunner().run(Command(executable, arguments, environment: environment, timeout: timeout))
    }

    /// Runs a shell command line (for setup steps such as `umount -l`).
    @discardableResult
    static func sh(_ script: String) async throws -> CommandResult {
        try await run("/bin/sh", ["-c", script])
    }
}

extension CommandResult {
    /// The exit code, or -1 for a signal or timeout.
    var exitCode: Int32 {
        if case .exited(let code) = termination { return code }
        return -1
    }

    /// stdout and stderr, for failure messages.
    var transcript: String { "exit: \(terminationDescription)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}
