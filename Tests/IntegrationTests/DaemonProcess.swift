import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A `juicectl run` process of an integration test: its output goes to a log file the test can wait on, and it is
/// always killed when the test ends (before the volumes are torn down, so that it cannot bring them back).
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    /// Starts `juicectl run ARGUMENTS...` with `environment` added.
    init(_ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: Prerequisites.juicectl!)
        process.arguments = ["run"] + arguments
        var childEnvironment = ProcessInfo.processInfo.environment
        if let juicefs = Prerequisites.juicefs {
            let directory = (juicefs as NSString).deletingLastPathComponent
            childEnvironment["PATH"] = "\(directory):\(childEnvironment["PATH"] ?? "/usr/bin:/bin")"
        }
        for (key, value) in environment { childEnvironment[key] = value }
        process.environment = childEnvironment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Runs `body` with a daemon over `arguments`; the daemon is killed afterwards, also when `body` throws.
    static func with(
        _ arguments: [String], logPath: String, environment: [String: String] = [:],
        _ body: (DaemonProcess) async throws -> Void
    ) async throws {
        let daemon = try DaemonProcess(arguments, logPath: logPath, environment: environment)
        do {
            try await body(daemon)
        } catch {
            await daemon.kill()
            throw error
        }
        await daemon.kill()
    }

    var pid: Int32 { process.processIdentifier }

    /// What the daemon printed so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `signal`.
    func send(_ signal: Int32) {
        Foundation.kill(pid, signal)
    }

    /// Waits up to `timeout` for the process to exit; its exit code, or `nil` when it still runs.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Kills the process (SIGKILL) if it still runs.
    func kill() async {
        if process.isRunning { send(SIGKILL) }
        _ = await waitForExit(timeout: .seconds(10))
    }

    /// The metrics port the daemon logged (`metrics at http://127.0.0.1:PORT/metrics`).
    func metricsPort(timeout: Duration = .seconds(20)) async -> Int? {
        let found = await Wait.until(timeout: timeout) { self.log.contains("/metrics") }
        guard found, let range = log.range(of: #"127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression) else { return nil }
        let text = log[range].dropFirst("127.0.0.1:".count).prefix { $0.isNumber }
        return Int(text)
    }
}

/// Polling with a deadline, for conditions a test waits on.
enum Wait {
    /// Checks `condition` every 200 ms until it holds or `timeout` passes; whether it held.
    static func until(timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }
}

extension TestVolume {
    /// What `juicectl run` last wrote for this volume.
    var runStatus: RunStatus? {
        RunStatusStore(stateDir: "\(baseDir)/.juicectl", host: LiveHost()).load()
    }

    /// The volume's event log.
    var events: [VolumeEvent] {
        EventLog(stateDir: "\(baseDir)/.juicectl", host: LiveHost()).recent(limit: 10_000)
    }

    /// Whether the reconciler reports the volume Ready.
    var reportedReady: Bool {
        runStatus?.condition(.ready)?.status == true
    }

    /// Whether the mount point answers a directory listing within 2 seconds.
    func mountAnswers() async throws -> Bool {
        try await Shell.sh("timeout 2 ls \"\(mountPath)/active\" >/dev/null 2>&1").exitCode == 0
    }

    /// Kills this volume's juicefs processes with SIGKILL; how many there were.
    @discardableResult
    func killJuicefs() async throws -> Int {
        let pids = try await juicefsPIDs()
        for pid in pids { _ = try await Shell.sh("kill -9 \(pid)") }
        return pids.count
    }

    /// Whether a mount action ended well after `date` and the mount answers, within `timeout`.
    func remounted(after date: Date, timeout: Duration) async -> Bool {
        await Wait.until(timeout: timeout) { () async -> Bool in
            let recovered = events.contains {
                ["recover-stale-mount", "mount", "remount"].contains($0.action ?? "") && $0.result == "done" && $0.time > date
            }
            guard recovered else { return false }
            return (try? await mountAnswers()) == true
        }
    }

    /// PIDs of this volume's juicefs mount processes, known by their log file (juicefs rewrites its command line
    /// and may cut it short before the mount point).
    func juicefsPIDs() async throws -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return line.contains("juicefs") && line.contains(" mount ") && line.contains("--log=\(baseDir)/logs/juicefs.log ")
        }.sorted()
    }
}

/// A plain HTTP/1.0 GET over bash's /dev/tcp (no curl needed).
enum HTTP {
    static func get(port: Int, path: String) async throws -> String {
        let script =
            "exec 3<>/dev/tcp/127.0.0.1/\(port) && printf 'GET \(path) HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && timeout 5 cat <&3"
        return try await Shell.run("/bin/bash", ["-c", script]).stdout
    }
}
