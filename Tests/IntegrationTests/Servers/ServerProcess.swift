import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server the integration tests run on loopback for the duration of a test: started detached as a child of the
/// test process, stopped, reaped and its directory removed afterwards.
protocol LoopbackServer: Actor {
    /// Everything of this server lives here (removed by `stop()`).
    nonisolated var directory: String { get }
    /// Starts the server and returns once it answers; throws with the log tail when it does not within its deadline.
    func start() async throws
    /// Terminates the server, waits for it, reaps it and removes its directory. Safe to call more than once.
    func stop() async
    /// The server's process and all its descendants (empty when it does not run).
    func processIDs() -> [Int32]
}

extension LoopbackServer {
    /// Starts the server, runs `body` and always stops the server afterwards, also when `body` throws.
    nonisolated func running<T>(_ body: (Self) async throws -> T) async throws -> T {
        do {
            try await start()
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// A server that did not come up, or a setup step that failed, with what it printed.
struct ServerError: Error, CustomStringConvertible {
    var description: String
}

/// The shared facts and helpers of the loopback servers.
enum LoopbackServers {
    /// Parent of every server directory.
    static let root = "/tmp/juicectl-it/servers"

    /// A short random id for directory names.
    static func newID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
    }

    /// A random secret of 32 hex characters (no character that needs escaping in a URL, a shell or a config file).
    static func newSecret() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Creates `<root>/<name>` afresh (mode 0700) and returns its path.
    static func makeDirectory(_ name: String) throws -> String {
        let path = "\(root)/\(name)"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Writes `text` to `path` readable by its owner only (config files with secrets).
    static func writePrivate(_ text: String, to path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        guard FileManager.default.fileExists(atPath: path) else { throw ServerError(description: "cannot write \(path)") }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago: the kernel's choice for a socket bound to port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError(description: "bind 127.0.0.1:0: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ServerError(description: "getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connects to 127.0.0.1:`port`, sends `request` and returns what the server sent until it closed the connection
    /// (or `timeout` passed); `nil` when nothing listens.
    static func exchange(port: Int, _ request: String, timeout: Duration = .seconds(2)) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return nil }
            sent += written
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            reply.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// The status code of `GET path` on 127.0.0.1:`port` (HTTP/1.0), or `nil` when nothing answers.
    static func httpStatus(port: Int, path: String) -> Int? {
        guard let reply = exchange(port: port, "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n") else { return nil }
        let fields = reply.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
        return fields.count >= 2 ? Int(fields[1]) : nil
    }

    /// Polls `answers` every 100 ms until it holds; throws when `process` exits first or `timeout` passes, with the
    /// server's log tail.
    static func waitUntilReady(
        _ process: ServerProcess, timeout: Duration,
        _ answers: @Sendable () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if await answers(), process.isRunning { return }
            if !process.isRunning {
                throw ServerError(
                    description: "\(process.name) exited (\(process.exitDescription)) before it answered; "
                        + "log \(process.logPath):\n\(process.logTail())")
            }
            if ContinuousClock.now >= deadline {
                throw ServerError(
                    description: "\(process.name) did not answer within \(timeout); log \(process.logPath):\n"
                        + process.logTail())
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// `pid` and all its descendants that exist now (from /proc).
    static func processTree(_ pid: Int32) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.range(of: ")", options: .backwards)
            else { continue }
            // After "pid (comm)": state, ppid, ...
            let fields = stat[close.upperBound...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[child] = parent }
        }
        guard parents[pid] != nil else { return [] }
        var tree = [pid]
        var index = 0
        while index < tree.count {
            let current = tree[index]
            tree.append(contentsOf: parents.filter { $0.value == current }.keys.sorted())
            index += 1
        }
        return tree
    }

    /// The state letter of `pid` from /proc (`Z` for a zombie), or `nil` when no such process exists, reaped or not.
    static func processState(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ")", options: .backwards)
        else { return nil }
        return stat[close.upperBound...].first { $0 != " " }
    }
}

/// A long-running server process, a direct child of the test process (Foundation's `Process` waits for it, so it is
/// reaped: PID 1 here reaps no orphans). Its stdout and stderr go to a log file.
final class ServerProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process = Process()

    /// Starts `executable` with `arguments`; `environment` is added to the test process's environment, and the
    /// variables named in `removing` are taken out of it.
    init(
        name: String, executable: String, arguments: [String], environment: [String: String] = [:],
        removing: [String] = [], logPath: String
    ) throws {
        self.name = name
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !removing.contains($0.key) }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        // posix_spawn children inherit the spawning thread's signal mask, and Swift concurrency's worker threads
        // block SIGTERM and SIGINT: a server that does not reset its mask (redis-server) would ignore them. Spawn with
        // nothing blocked.
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        do {
            try process.run()
        } catch {
            throw ServerError(description: "cannot start \(name) (\(executable)): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// How it ended, or `running`.
    var exitDescription: String {
        if process.isRunning { return "running" }
        return process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
    }

    /// The last `lines` lines of the log.
    func logTail(lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Sends `signal`, waits up to `grace` for the exit, then SIGKILL and waits again. Returns once Foundation has
    /// reaped the process (or after 10 s more, which should not happen).
    func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(20)) async {
        guard process.isRunning else { return }
        kill(pid, signal)
        if await waitForExit(grace) { return }
        kill(pid, SIGKILL)
        _ = await waitForExit(.seconds(10))
    }

    private func waitForExit(_ timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }
}
