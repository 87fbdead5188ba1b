import Foundation
import JuiceCtl

/// A private PostgreSQL cluster on 127.0.0.1 for metadata-engine tests: `initdb` and `postgres` run as the `postgres`
/// OS user (initdb refuses root) through `setpriv`, with the binaries of the newest `/usr/lib/postgresql/<ver>/bin`.
/// Directory `/tmp/juicectl-it/servers/postgres-<id>` (data in `data/`, the unix socket there too). TCP needs a
/// password (scram-sha-256) for the superuser role `juicectl`; durability is off (fsync, synchronous_commit,
/// full_page_writes) because the cluster lives only as long as a test.
///
/// `url(database:)` carries no password: give it to juicefs through `META_PASSWORD`. juicefs needs the database to
/// exist before `format`: `createDatabase(_:)`.
actor PostgresServer: LoopbackServer {
    nonisolated let id: String
    nonisolated let directory: String
    nonisolated let port: Int
    /// The role juicefs connects as (a superuser of this cluster).
    nonisolated let user = "juicectl"
    nonisolated let password: String

    private var process: ServerProcess?

    /// Picks a free port (unless `port` is given) and creates the directory (owned by `postgres`); `start()` runs
    /// initdb and the server.
    init(id: String = LoopbackServers.newID(), port: Int? = nil) throws {
        self.id = id
        directory = try LoopbackServers.makeDirectory("postgres-\(id)")
        self.port = try port ?? LoopbackServers.freePort()
        password = LoopbackServers.newSecret()
    }

    /// `postgres://juicectl@127.0.0.1:PORT/DATABASE?sslmode=disable`, without the password.
    nonisolated func url(database: String) -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    nonisolated var dataDirectory: String { "\(directory)/data" }
    nonisolated var logPath: String { "\(directory)/postgres.log" }

    func start() async throws {
        guard process == nil else { return }
        guard let bin = Prerequisites.postgresBin, let setpriv = Prerequisites.setpriv else {
            throw ServerError(description: "PostgreSQL binaries or setpriv are missing (run `make setup`)")
        }
        let asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
        let passwordFile = "\(directory)/password"
        try LoopbackServers.writePrivate(password + "\n", to: passwordFile)
        for path in [directory, passwordFile] {
            try FileManager.default.setAttributes(
                [.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"],
                ofItemAtPath: path)
        }
        let initdb = try await Shell.run(
            setpriv,
            asPostgres + [
                "\(bin)/initdb", "-D", dataDirectory, "-U", user, "--pwfile=\(passwordFile)",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale", "--encoding=UTF8", "--no-sync",
            ])
        try? FileManager.default.removeItem(atPath: passwordFile)
        guard initdb.succeeded else { throw ServerError(description: "initdb as postgres failed: \(initdb.transcript)") }

        let started = try ServerProcess(
            name: "postgres on port \(port)", executable: setpriv,
            arguments: asPostgres + [
                "\(bin)/postgres", "-D", dataDirectory, "-p", "\(port)",
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(dataDirectory)",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ], logPath: logPath)
        process = started
        do {
            try await LoopbackServers.waitUntilReady(started, timeout: .seconds(30)) {
                (try? await self.sql("SELECT 1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == "1"
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// Creates database `name` (letters, digits, `_` and `-`) and returns its URL (without the password).
    @discardableResult
    func createDatabase(_ name: String) async throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ServerError(description: "unusable database name \(name)")
        }
        let result = try await sql("CREATE DATABASE \"\(name)\"")
        guard result.succeeded else { throw ServerError(description: "CREATE DATABASE \(name) failed: \(result.transcript)") }
        return url(database: name)
    }

    /// Runs one SQL statement with psql over TCP, with the password (`-w`: never prompts).
    func sql(_ statement: String, database: String = "postgres") async throws -> CommandResult {
        guard let bin = Prerequisites.postgresBin else { throw ServerError(description: "psql is missing") }
        return try await Shell.run(
            "\(bin)/psql",
            [
                "-w", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database,
                "-c", statement,
            ],
            environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "3"], timeout: .seconds(30))
    }

    func stop() async {
        if let process {
            // SIGINT is the fast shutdown: it does not wait for clients (juicefs sessions) to disconnect.
            await process.stop(signal: SIGINT)
            self.process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func processIDs() -> [Int32] {
        guard let process, process.isRunning else { return [] }
        return LoopbackServers.processTree(process.pid)
    }
}
