import Foundation

/// A private `redis-server` on 127.0.0.1 for metadata-engine tests: its own port and directory
/// (`/tmp/juicectl-it/servers/redis-<id>`), append-only file on and RDB snapshots off, and a password
/// (`requirepass`, kept in a 0600 config file rather than on the command line).
///
/// `url` carries no password: give it to juicefs through `META_PASSWORD`.
actor RedisServer: LoopbackServer {
    nonisolated let id: String
    nonisolated let directory: String
    nonisolated let port: Int
    nonisolated let password: String

    private var process: ServerProcess?

    /// Picks a free port (unless `port` is given) and creates the directory; `start()` starts the server.
    init(id: String = LoopbackServers.newID(), port: Int? = nil) throws {
        self.id = id
        directory = try LoopbackServers.makeDirectory("redis-\(id)")
        self.port = try port ?? LoopbackServers.freePort()
        password = LoopbackServers.newSecret()
    }

    /// `redis://127.0.0.1:PORT/1`, without the password. One volume per database number.
    nonisolated var url: String { url(database: 1) }

    /// `redis://127.0.0.1:PORT/DATABASE` (0-15), without the password.
    nonisolated func url(database: Int) -> String { "redis://127.0.0.1:\(port)/\(database)" }

    nonisolated var logPath: String { "\(directory)/redis.log" }

    func start() async throws {
        guard process == nil else { return }
        guard let executable = Prerequisites.redisServer else {
            throw ServerError(description: "redis-server is missing (run `make setup`)")
        }
        let config = """
            bind 127.0.0.1
            port \(port)
            protected-mode yes
            daemonize no
            dir \(directory)
            logfile ""
            appendonly yes
            save ""
            requirepass \(password)

            """
        try LoopbackServers.writePrivate(config, to: "\(directory)/redis.conf")
        let started = try ServerProcess(
            name: "redis-server on port \(port)", executable: executable,
            arguments: ["\(directory)/redis.conf"], logPath: logPath)
        process = started
        let port = port
        let password = password
        do {
            try await LoopbackServers.waitUntilReady(started, timeout: .seconds(20)) {
                LoopbackServers.exchange(port: port, "AUTH \(password)\r\nPING\r\nQUIT\r\n")?.contains("+PONG") == true
            }
        } catch {
            await stop()
            throw error
        }
    }

    func stop() async {
        if let process {
            await process.stop(signal: SIGTERM)
            self.process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func processIDs() -> [Int32] {
        guard let process, process.isRunning else { return [] }
        return LoopbackServers.processTree(process.pid)
    }
}
