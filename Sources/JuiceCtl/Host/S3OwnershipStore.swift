internal import Foundation
package import JuiceCtlCore

/// The ownership record as an object in an S3-compatible bucket, read and written by `curl` through the runner:
/// requests signed with SigV4 for the replica's region, the keys from the spec's references (resolved for each call)
/// given to curl only in its configuration on standard input, HTTPS certificates verified (curl's default, and
/// `~/.curlrc` ignored), and a deadline on every call.
///
/// The payload is sent as `UNSIGNED-PAYLOAD` (SigV4 allows it; curl 7.88 signs a body's hash but does not send it,
/// which S3 and MinIO refuse); the claim reads every write back, which catches a damaged body.
///
/// - Note: The `juicefs gateway` (MinIO) ignores `If-None-Match` and `If-Match` and sends no ETag (measured), so
///   conditional writes cannot be relied on; the claim protocol does not use them.
package struct S3OwnershipStore: OwnershipStoring {
    /// The object.
    package let object: OwnershipLocation.S3Object
    let accessKey: VolumeSpec.SecretSource
    let secretKey: VolumeSpec.SecretSource
    let runner: any CommandRunning
    let curl: String
    let secrets: SecretResolver

    /// The SHA-256 of an empty payload, what a GET signs.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Creates the store of `object` for volume `volume`, running `curl` (an absolute path) through `runner`.
    ///
    /// When the spec names no keys, the keys of juicectl's own environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, the ones Litestream would use) sign the requests.
    ///
    /// - Throws: ``OwnershipError/ambientCredentials(volume:location:)`` when the spec names no keys and the
    ///   environment holds none (or holds a session token): curl signs with keys it is given and cannot use an
    ///   instance role, a profile or a session token.
    package init(
        object: OwnershipLocation.S3Object, volume: String, runner: any CommandRunning, curl: String,
        secrets: SecretResolver = SecretResolver(),
        environment: [String: String]? = nil
    ) throws(OwnershipError) {
        let fromEnvironment = Self.environmentKeys(environment ?? ProcessInfo.processInfo.environment)
        guard let accessKey = object.accessKey ?? fromEnvironment?.0, let secretKey = object.secretKey ?? fromEnvironment?.1 else {
            throw .ambientCredentials(volume: volume, location: "s3 \(object.displayURL)")
        }
        self.object = object
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.runner = runner
        self.curl = curl
        self.secrets = secrets
    }

    package var location: String { "s3 \(object.displayURL)" }

    /// The standard key variables as references, when both are set and no session token (which curl cannot send
    /// signed) comes with them.
    static func environmentKeys(_ environment: [String: String]) -> (VolumeSpec.SecretSource, VolumeSpec.SecretSource)? {
        guard environment["AWS_ACCESS_KEY_ID"]?.isEmpty == false, environment["AWS_SECRET_ACCESS_KEY"]?.isEmpty == false,
            environment["AWS_SESSION_TOKEN"]?.isEmpty ?? true
        else { return nil }
        return (.env("AWS_ACCESS_KEY_ID"), .env("AWS_SECRET_ACCESS_KEY"))
    }

    package func read(deadline: Duration) async throws -> OwnershipRecord? {
        let response = try await send(.read, deadline: deadline)
        switch response.status {
        case 200:
            return try OwnershipRecord.decode(Data(response.body.utf8), location: location)
        case 404 where response.code == "NoSuchKey":
            return nil
        default:
            throw OwnershipStoreError(location: location, operation: .read, problem: .http(status: response.status, code: response.code))
        }
    }

    package func write(_ record: OwnershipRecord, deadline: Duration) async throws {
        let response = try await send(.write, body: String(decoding: record.encoded(), as: UTF8.self), deadline: deadline)
        guard (200..<300).contains(response.status) else {
            throw OwnershipStoreError(location: location, operation: .write, problem: .http(status: response.status, code: response.code))
        }
    }

    // MARK: Requests

    /// What the store answered.
    struct Response {
        var status: Int
        var body: String
        /// S3's error code from an XML error body (`NoSuchKey`, `AccessDenied`).
        var code: String?
    }

    /// The command for one request: `curl -q --config -`, everything else on standard input.
    func command(
        _ operation: OwnershipStoreError.Operation, body: String? = nil,
        deadline: Duration
    ) throws(OwnershipStoreError) -> Command {
        let keys: (access: String, secret: String)
        do {
            keys = (
                try secrets.resolve(accessKey, key: "backup.replica.accessKey"),
                try secrets.resolve(secretKey, key: "backup.replica.secretKey")
            )
        } catch {
            throw OwnershipStoreError(location: location, operation: operation, problem: .secret(error))
        }
        // curl's own timer starts once it runs: leave it a little less than the deadline (100 ms, or a tenth of a short
        // one), so that the request is given up before the deadline passes.
        let limit = deadline - min(.milliseconds(100), deadline / 10)
        var config = CurlConfig()
        do {
            try config.option("url", object.url)
            try config.option("aws-sigv4", "aws:amz:\(object.region):s3")
            try config.option("proto", "=http,https")
            try config.option("max-time", CurlConfig.seconds(limit))
            try config.option("connect-timeout", CurlConfig.seconds(limit))
            try config.option("write-out", "\\n%{http_code}")
            config.flag("silent")
            config.flag("show-error")
            if let body {
                try config.option("request", "PUT")
                try config.option("header", "x-amz-content-sha256: UNSIGNED-PAYLOAD")
                try config.option("header", "Content-Type: application/json")
                try config.option("data-binary", body)
            } else {
                try config.option("header", "x-amz-content-sha256: \(Self.emptyPayloadHash)")
            }
        } catch {
            throw OwnershipStoreError(
                location: location, operation: operation,
                problem: .curl(exit: 0, message: "a request value holds a control character"))
        }
        do {
            try config.option("user", "\(keys.access):\(keys.secret)")
        } catch {
            let inAccessKey = CurlConfig.quoted(keys.access) == nil
            let problem = SecretError(
                key: inAccessKey ? "backup.replica.accessKey" : "backup.replica.secretKey",
                source: inAccessKey ? accessKey : secretKey, problem: "it holds a control character")
            throw OwnershipStoreError(location: location, operation: operation, problem: .secret(problem))
        }
        // curl gets its keys in the configuration: of juicectl's environment only the proxy and CA settings.
        return Command(
            curl, CurlConfig.arguments, unsetEnvironment: ["CURL_HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
            inherits: [.network], timeout: deadline, input: config.text)
    }

    private func send(
        _ operation: OwnershipStoreError.Operation, body: String? = nil,
        deadline: Duration
    ) async throws(OwnershipStoreError) -> Response {
        guard curl.hasPrefix("/") else {
            throw OwnershipStoreError(location: location, operation: operation, problem: .cannotRun("curl is not on PATH"))
        }
        let command = try command(operation, body: body, deadline: deadline)
        let known = (try? [secrets.resolve(accessKey, key: ""), secrets.resolve(secretKey, key: "")]) ?? []
        let result: CommandResult
        do {
            result = try await runner.run(command)
        } catch {
            let reason = Redaction.scrub(error.reason, secrets: known)
            throw OwnershipStoreError(location: location, operation: operation, problem: .cannotRun(reason))
        }
        let stdout = Redaction.scrub(result.stdout, secrets: known)
        let message = Self.errorLine(Redaction.scrub(result.stderr, secrets: known))
        switch result.termination {
        case .timedOut:
            throw OwnershipStoreError(location: location, operation: operation, problem: .timedOut(deadline))
        case .signaled(let signal):
            throw OwnershipStoreError(
                location: location, operation: operation,
                problem: .curl(exit: -signal, message: "killed by signal \(signal)"))
        case .exited(28):
            throw OwnershipStoreError(location: location, operation: operation, problem: .timedOut(deadline))
        case .exited(let code) where [6, 7].contains(code):
            throw OwnershipStoreError(location: location, operation: operation, problem: .unreachable(message))
        case .exited(let code) where [35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91].contains(code):
            throw OwnershipStoreError(location: location, operation: operation, problem: .tls(message))
        case .exited(0):
            break
        case .exited(let code):
            throw OwnershipStoreError(location: location, operation: operation, problem: .curl(exit: code, message: message))
        }
        guard let newline = stdout.lastIndex(of: "\n"), let status = Int(stdout[stdout.index(after: newline)...]) else {
            throw OwnershipStoreError(
                location: location, operation: operation,
                problem: .curl(exit: 0, message: "no HTTP status in curl's output"))
        }
        let text = String(stdout[..<newline])
        return Response(status: status, body: text, code: Self.errorCode(in: text))
    }

    /// The `<Code>` of an S3 XML error body.
    static func errorCode(in body: String) -> String? {
        guard let open = body.range(of: "<Code>"), let close = body.range(of: "</Code>", range: open.upperBound..<body.endIndex)
        else { return nil }
        let code = body[open.upperBound..<close.lowerBound]
        guard !code.isEmpty, code.count <= 64, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else { return nil }
        return String(code)
    }

    /// curl's error line (`curl: (60) SSL certificate problem: ...`, which may be followed by advice on more
    /// lines), else the last line it printed, without a final period.
    static func errorLine(_ text: String) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let line = lines.first { $0.hasPrefix("curl: (") } ?? lines.last ?? "no message"
        return line.hasSuffix(".") ? String(line.dropLast()) : line
    }
}
