import Foundation
import JuiceCtl

/// An S3 endpoint on 127.0.0.1 for object-storage tests: `juicefs gateway --multi-buckets` (the juicefs binary the
/// tests use) over its own local volume (SQLite metadata, file objects) in `/tmp/juicectl-it/servers/s3-<id>`.
/// Every top-level directory of that volume is a bucket. Credentials come from `MINIO_ROOT_USER` and
/// `MINIO_ROOT_PASSWORD`; give them to juicefs through `ACCESS_KEY` and `SECRET_KEY`.
actor S3Gateway: LoopbackServer {
    nonisolated let id: String
    nonisolated let directory: String
    nonisolated let port: Int
    nonisolated let accessKey: String
    nonisolated let secretKey: String

    private var process: ServerProcess?

    /// Picks a free port (unless `port` is given) and creates the directory; `start()` formats the backing volume
    /// and starts the gateway.
    init(id: String = LoopbackServers.newID(), port: Int? = nil) throws {
        self.id = id
        directory = try LoopbackServers.makeDirectory("s3-\(id)")
        self.port = try port ?? LoopbackServers.freePort()
        accessKey = "ak" + String(LoopbackServers.newSecret().prefix(18))
        secretKey = LoopbackServers.newSecret()
    }

    /// `http://127.0.0.1:PORT`.
    nonisolated var endpoint: String { "http://127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT/NAME`, what `juicefs format --storage s3 --bucket` takes (path style).
    nonisolated func bucketURL(_ name: String) -> String { "\(endpoint)/\(name)" }

    nonisolated var logPath: String { "\(directory)/gateway.log" }

    /// curl's config with the credentials and SigV4 signing, so that the secret is not on a command line.
    private nonisolated var curlConfig: String { "\(directory)/curl.conf" }

    func start() async throws {
        guard process == nil else { return }
        guard let juicefs = Prerequisites.juicefs else { throw ServerError(description: "juicefs is missing (run `make setup`)") }
        let metaURL = "sqlite3://\(directory)/meta.db"
        let format = try await Shell.run(
            juicefs,
            [
                "format", "--storage", "file", "--bucket", "\(directory)/objects",
                "--trash-days", "0", "--no-update", metaURL, "gateway",
            ])
        guard format.succeeded else { throw ServerError(description: "formatting the gateway's volume failed: \(format.transcript)") }
        try LoopbackServers.writePrivate(
            """
            user = "\(accessKey):\(secretKey)"
            aws-sigv4 = "aws:amz:us-east-1:s3"
            silent
            show-error

            """, to: curlConfig)
        // In the foreground, juicefs logs to stderr (the log file below); `--log` only names where a background
        // gateway would log, given so that nothing goes to /var/log. `--metrics 127.0.0.1:0`: no fixed port 9567.
        let started = try ServerProcess(
            name: "juicefs gateway on port \(port)", executable: juicefs,
            arguments: [
                "gateway", "--no-banner", "--multi-buckets", "--no-usage-report",
                "--log", "\(directory)/juicefs-gateway.log", "--cache-dir", "\(directory)/cache",
                "--metrics", "127.0.0.1:0", metaURL, "127.0.0.1:\(port)",
            ],
            environment: ["MINIO_ROOT_USER": accessKey, "MINIO_ROOT_PASSWORD": secretKey],
            logPath: logPath)
        process = started
        let port = port
        do {
            try await LoopbackServers.waitUntilReady(started, timeout: .seconds(30)) {
                LoopbackServers.httpStatus(port: port, path: "/minio/health/live") == 200
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// Creates bucket `name` (S3 PUT with SigV4, by curl); an existing bucket of ours is fine.
    func makeBucket(_ name: String) async throws {
        let result = try await curl(["-X", "PUT", "-o", "/dev/null", "-w", "%{http_code}", bucketURL(name)])
        guard ["200", "409"].contains(result.stdout) else {
            throw ServerError(description: "PUT bucket \(name) failed: \(result.transcript)")
        }
    }

    /// The keys of the objects in bucket `name` whose keys start with `prefix` (ListObjectsV2, first 1000).
    func objectKeys(in name: String, prefix: String = "") async throws -> [String] {
        // curl's SigV4 signs the query as given: it must already be in canonical form (keys sorted, everything but
        // A-Z a-z 0-9 - _ . ~ percent-encoded), or the gateway computes another signature.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        let query = prefix.isEmpty ? "" : "&prefix=\(prefix.addingPercentEncoding(withAllowedCharacters: unreserved) ?? prefix)"
        let result = try await curl(["--fail-with-body", "\(bucketURL(name))?list-type=2\(query)"])
        guard result.succeeded else { throw ServerError(description: "listing bucket \(name) failed: \(result.transcript)") }
        var keys: [String] = []
        var rest = result.stdout[...]
        while let open = rest.range(of: "<Key>"), let close = rest.range(of: "</Key>", range: open.upperBound..<rest.endIndex) {
            keys.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return keys
    }

    private func curl(_ arguments: [String]) async throws -> CommandResult {
        guard let curl = Prerequisites.curl else { throw ServerError(description: "curl is missing (run `make setup`)") }
        return try await Shell.run(curl, ["-K", curlConfig, "--max-time", "20"] + arguments, timeout: .seconds(30))
    }

    func stop() async {
        if let process {
            await process.stop(signal: SIGTERM)
            self.process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the gateway where it stands (SIGSTOP): connections are accepted by the kernel and never answered, as
    /// with an endpoint that hangs; ``resume()`` lets it go on with its data intact.
    func pause() {
        for pid in processIDs() { kill(pid, SIGSTOP) }
    }

    /// Lets a paused gateway go on (SIGCONT).
    func resume() {
        for pid in processIDs() { kill(pid, SIGCONT) }
    }

    func processIDs() -> [Int32] {
        guard let process, process.isRunning else { return [] }
        return LoopbackServers.processTree(process.pid)
    }
}
