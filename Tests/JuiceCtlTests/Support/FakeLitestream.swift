import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport

@testable import JuiceCtl

/// A `litestream` (and the `/bin/sh` that starts it) that changes a ``FakeHost`` the way the real one does:
///
/// - `sh -c SCRIPT LITESTREAM CONFIG LOG` prints the pid of a `litestream replicate -config CONFIG` process and,
///   unless told otherwise, that process creates the control socket;
/// - `litestream restore ... -o FILE ...` creates FILE;
/// - `litestream sync` and `litestream replicate -once -force-snapshot` succeed.
///
/// Every command is also written into the host's call log as `run PROGRAM ARGS...`, so that a test can check the
/// order of commands and host calls in one timeline.
struct FakeLitestream {
    /// What the started process does.
    enum Start {
        /// It creates its control socket at once.
        case comesUp
        /// It creates its control socket after a while.
        case comesUpAfter(Duration)
        /// It writes `log` to the log file and exits before creating its socket.
        case dies(log: String)
    }

    let scenario: VolumeScenario
    /// The pid the started process gets.
    var pid: Int32 = 31337

    var host: FakeHost { scenario.host }

    /// Answers `sh -c ...` by starting a fake Litestream as `start` says.
    func installStart(_ start: Start = .comesUp) {
        let (host, spec, pid) = (host, scenario.spec, pid)
        scenario.runner.on(prefix: ["sh", "-c"]) { command in
            Self.log(command, on: host)
            let words = command.arguments
            guard words.count == 5 else { return .failure(stderr: "sh: bad arguments \(words)\n") }
            switch start {
            case .comesUp:
                host.setProcess(pid, commandLine: [words[2], "replicate", "-config", words[3]])
                host.setLocalFile(spec.litestreamSocket)
            case .comesUpAfter(let delay):
                host.setProcess(pid, commandLine: [words[2], "replicate", "-config", words[3]])
                Task {
                    try? await Task.sleep(for: delay)
                    host.setLocalFile(spec.litestreamSocket)
                }
            case .dies(let log):
                host.setProcess(pid, commandLine: nil, alive: false)
                host.setFile(words[4], text: log)
            }
            return .success("\(pid)\n")
        }
    }

    /// Answers every other `litestream` command: `restore` creates its `-o` file; the rest succeed.
    func installCommands() {
        let host = host
        scenario.runner.on(prefix: ["litestream"]) { command in
            Self.log(command, on: host)
            if command.arguments.first == "restore", let index = command.arguments.firstIndex(of: "-o"), index + 1 < command.arguments.count
            {
                host.setLocalFile(command.arguments[index + 1])
            }
            return .success()
        }
    }

    /// Writes `run PROGRAM ARGS...` into the host's call log.
    static func log(_ command: Command, on host: FakeHost) {
        host.update { $0.calls.append("run " + FakeCommandRunner.argv(command).joined(separator: " ")) }
    }
}
