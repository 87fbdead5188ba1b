import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore
import Logging

/// `juicectl`: keeps JuiceFS volumes in the state their YAML specs declare.
@main
struct JuiceCtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "juicectl",
        abstract: "Keep JuiceFS volumes in the state a YAML spec declares.",
        discussion: """
            Specs are YAML files (several documents per file allowed) or directories of *.yaml/*.yml files.
            juicefs is found on PATH, or through --juicefs or the JUICECTL_JUICEFS environment variable.
            """,
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, StatusCommand.self, DownCommand.self, TakeoverCommand.self,
            CheckpointCommand.self, RestoreCommand.self, BackupCommand.self, RunCommand.self, SchemaCommand.self,
        ])
}

/// Options every command that touches volumes takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The juicefs binary (default: $JUICECTL_JUICEFS, then PATH).")
    var juicefs: String?

    @Option(name: .long, help: "The litestream binary (default: $JUICECTL_LITESTREAM, then PATH).")
    var litestream: String?

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error (default: warning; info for run).")
    var logLevel: String?

    @Flag(name: .shortAndLong, help: "Log every command juicectl runs (same as --log-level debug).")
    var verbose = false

    @Option(
        name: .long, help: "How long to wait for another run on the same volume, e.g. 60s, 5m (default: 60s; 5s for run, which retries).")
    var lockTimeout: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error")
        }
        if let lockTimeout, TimeSpan.parse(lockTimeout) == nil {
            throw ValidationError("--lock-timeout: '\(lockTimeout)' is not a duration such as 60s or 5m")
        }
    }

    /// Sets up logging once for the process: stderr only, so stdout stays for plans and JSON.
    func makeLogger(defaultLevel: Logger.Level = .warning) -> Logger {
        let level = verbose ? .debug : (logLevel.flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel)
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: "juicectl")
        logger.logLevel = level
        return logger
    }

    /// A reconciler wired to the real host and programs; `adjust` changes its configuration (the daemon's).
    func makeReconciler(
        progress: any OperationProgress = SilentProgress(), logger: Logger? = nil, defaultLockTimeout: Duration = .seconds(60),
        adjust: (inout Reconciler.Configuration) -> Void = { _ in }
    ) throws -> Reconciler {
        let logger = logger ?? makeLogger()
        var tools = try ToolLocator.locateAll(juicefs: juicefs)
        if let litestream {
            tools.litestream = try ToolLocator.locate("litestream", explicit: litestream, variable: ToolLocator.litestreamVariable)
        }
        var configuration = Reconciler.Configuration()
        configuration.lockTimeout = lockTimeout.flatMap(TimeSpan.parse)?.duration ?? defaultLockTimeout
        configuration.actor = "cli"
        adjust(&configuration)
        return Reconciler(
            host: LiveHost(), runner: LoggingRunner(SubprocessRunner(), logger: logger), tools: tools, logger: logger,
            configuration: configuration, progress: progress)
    }
}

/// Bootstraps swift-log exactly once.
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    static func once(level: Logger.Level) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Loads spec files, prints diagnostics to stderr, and stops with exit 1 when any is an error.
func loadSpecs(_ paths: [String]) throws -> (specs: [VolumeSpec], warnings: [Diagnostic]) {
    let result = SpecLoader(files: LiveHost()).load(paths: paths)
    for diagnostic in result.diagnostics {
        FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
    }
    if result.diagnostics.hasErrors {
        FileHandle.standardError.write(Data("\(result.diagnostics.errors.count) error(s); nothing was changed.\n".utf8))
        throw ExitCode(1)
    }
    return (result.specs, result.diagnostics.warnings)
}

/// Refuses commands that change the host when not run as root; for those that run, sets the umask to 077, so that
/// whatever juicefs and Litestream create under the base dir on juicectl's behalf (the metadata database, cache
/// blocks, local objects, the replica) is root's alone, as juicectl's own files are.
func requireRoot(_ command: String, reason: String = "it mounts FUSE filesystems and sets quotas") throws {
    guard geteuid() == 0 else {
        FileHandle.standardError.write(Data("juicectl \(command) must run as root: \(reason). Run it with sudo.\n".utf8))
        throw ExitCode(1)
    }
    umask(0o077)
}

/// Writes to stdout.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Reports an error that is not about the spec (missing binary, busy lock) and exits 1.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(1)
}
