import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The S3 store of the ownership record: curl's configuration on standard input, what each answer means, and the
/// keys nowhere but in that configuration.
@Suite("Ownership record in S3: curl with its configuration on stdin, statuses, errors, no key anywhere else")
struct S3OwnershipStoreTests {
    static let accessKey = "AK-own3r-ACCESS-42"
    static let secretKey = "SK-own3r-\"quoted\\back-42"
    static let curl = "/usr/bin/curl"

    static let object = OwnershipLocation.S3Object(
        bucket: "https://s3.example.com/backups", key: "hosts/demo.juicectl-owner.json", region: "eu-central-1",
        accessKey: .env("OWN_AK"), secretKey: .file("/etc/juicectl/own-sk"))

    static let secrets = SecretResolver(
        environment: ["OWN_AK": accessKey],
        readFile: { $0 == "/etc/juicectl/own-sk" ? Array((secretKey + "\n").utf8) : nil })

    static func store(
        _ runner: FakeCommandRunner, object: OwnershipLocation.S3Object = object,
        environment: [String: String] = [:]
    ) throws -> S3OwnershipStore {
        try S3OwnershipStore(object: object, volume: "demo", runner: runner, curl: curl, secrets: secrets, environment: environment)
    }

    /// What curl prints with `write-out = "\n%{http_code}"`.
    static func answer(_ status: Int, _ body: String = "") -> CommandResult {
        .success("\(body)\n\(status)")
    }

    static func s3Error(_ code: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>m</Message></Error>"
    }

    static let record = OwnershipFixture.record("a", generation: 3)

    /// Every text a command could show: argv, display string, description, debug description, a dump.
    static func shownTexts(_ command: Command) -> [String] {
        var dumped = ""
        dump(command, to: &dumped)
        return [
            command.arguments.joined(separator: " "), command.displayString, command.description,
            command.debugDescription, dumped, String(reflecting: command),
        ]
            + command.environment.values
    }

    @Test func aReadIsAGetWithEveryOptionOnStandardInputAndNoneOnTheCommandLine() async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], Self.answer(200, String(decoding: Self.record.encoded(), as: UTF8.self)))
        let store = try Self.store(runner)
        #expect(try await store.read(deadline: .seconds(3)) == Self.record)
        let command = try #require(runner.commands.first)
        #expect(command.executable == Self.curl && command.arguments == ["-q", "--config", "-"])
        #expect(command.timeout == .seconds(3))
        let input = try #require(command.input)
        let lines = input.split(separator: "\n").map(String.init)
        #expect(lines.contains("url = \"https://s3.example.com/backups/hosts/demo.juicectl-owner.json\""))
        #expect(lines.contains("aws-sigv4 = \"aws:amz:eu-central-1:s3\""))
        #expect(lines.contains("max-time = \"2.900\"") && lines.contains("connect-timeout = \"2.900\""))
        #expect(lines.contains("proto = \"=http,https\""))
        #expect(lines.contains("header = \"x-amz-content-sha256: \(S3OwnershipStore.emptyPayloadHash)\""))
        #expect(lines.contains("user = \"\(Self.accessKey):SK-own3r-\\\"quoted\\\\back-42\""), "quotes and backslashes escaped")
        #expect(!lines.contains { $0.hasPrefix("request") || $0.contains("insecure") || $0 == "k" })
        for text in Self.shownTexts(command) {
            #expect(!text.contains(Self.secretKey) && !text.contains(Self.accessKey), "a key in \(text)")
        }
    }

    @Test func aWriteIsAPutOfTheRecordsJSON() async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], Self.answer(200))
        try await Self.store(runner).write(Self.record, deadline: .seconds(1))
        let input = try #require(runner.commands.first?.input)
        let lines = input.split(separator: "\n").map(String.init)
        #expect(lines.contains("request = \"PUT\""))
        #expect(lines.contains("header = \"x-amz-content-sha256: UNSIGNED-PAYLOAD\""))
        #expect(lines.contains("header = \"Content-Type: application/json\""))
        let json = String(decoding: Self.record.encoded(), as: UTF8.self)
        let escaped = json.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        #expect(lines.contains("data-binary = \"\(escaped)\""))
        #expect(lines.contains("max-time = \"0.900\""))
    }

    @Test func noSuchKeyIsNoRecord() async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], Self.answer(404, Self.s3Error("NoSuchKey")))
        #expect(try await Self.store(runner).read() == nil)
    }

    @Test(
        "an answer other than 200 or NoSuchKey is an error naming the URL, the status and what to do",
        arguments: [
            (404, "NoSuchBucket", "Create the bucket"),
            (404, "", "without S3's NoSuchKey"),
            (403, "AccessDenied", "Check backup.replica.accessKey and backup.replica.secretKey"),
            (500, "InternalError", "try again later"),
        ])
    func anErrorStatusIsATypedError(_ status: Int, _ code: String, _ advice: String) async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], Self.answer(status, code.isEmpty ? "<html>not found</html>" : Self.s3Error(code)))
        let store = try Self.store(runner)
        for operation in ["read", "write"] {
            await #expect {
                if operation == "read" { _ = try await store.read() } else { try await store.write(Self.record) }
            } throws: { error in
                guard let error = error as? OwnershipStoreError,
                    case .http(status, code.isEmpty ? nil : code) = error.problem
                else { return false }
                let text = "\(error)"
                return text.contains("s3 https://s3.example.com/backups/hosts/demo.juicectl-owner.json")
                    && text.contains("HTTP \(status)") && text.contains(advice)
                    && text.hasPrefix(operation == "read" ? "reading" : "writing")
            }
        }
    }

    @Test(
        "curl's failures are typed: unreachable, deadline, TLS verification, killed",
        arguments: [
            (CommandResult.failure(exit: 7, stderr: "curl: (7) Failed to connect to s3.example.com port 443\n"), "unreachable"),
            (CommandResult.failure(exit: 6, stderr: "curl: (6) Could not resolve host: s3.example.com\n"), "unreachable"),
            (CommandResult.failure(exit: 28, stderr: "curl: (28) Operation timed out after 900 milliseconds\n"), "timedOut"),
            (CommandResult.timedOut, "timedOut"),
            (CommandResult.failure(exit: 60, stderr: "curl: (60) SSL certificate problem: self-signed certificate\n"), "tls"),
            (CommandResult(termination: .signaled(9)), "curl"),
            (CommandResult.failure(exit: 3, stderr: "curl: (3) URL using bad/illegal format\n"), "curl"),
        ])
    func curlFailuresAreTyped(_ result: CommandResult, _ kind: String) async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], result)
        await #expect {
            _ = try await Self.store(runner).read(deadline: .seconds(1))
        } throws: { error in
            guard let error = error as? OwnershipStoreError else { return false }
            let matches =
                switch (error.problem, kind) {
                case (.unreachable, "unreachable"), (.timedOut(.seconds(1)), "timedOut"), (.tls, "tls"), (.curl, "curl"): true
                default: false
                }
            return matches && "\(error)".contains("s3 https://s3.example.com/backups/hosts/demo.juicectl-owner.json")
        }
    }

    @Test func aTLSFailureSaysHowToTrustTheEndpoint() async throws {
        let runner = FakeCommandRunner()
        let stderr = "curl: (60) SSL certificate problem: unable to get local issuer\nMore details here: https://curl.se/docs/\n"
        runner.on(["curl", "-q", "--config", "-"], .failure(exit: 60, stderr: stderr))
        await #expect {
            _ = try await Self.store(runner).read()
        } throws: { error in
            "\(error)".contains("SSL certificate problem") && "\(error)".contains("CA certificate")
        }
    }

    @Test func aKeyEchoedByCurlIsMaskedInTheError() async throws {
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], .failure(exit: 2, stderr: "curl: option user \(Self.accessKey): bad\n"))
        await #expect {
            _ = try await Self.store(runner).read()
        } throws: { error in
            !"\(error)".contains(Self.accessKey) && "\(error)".contains("****")
        }
    }

    @Test func aReplicaWithAmbientCredentialsSaysOwnershipNeedsTheKeysInTheSpec() throws {
        var object = Self.object
        object.accessKey = nil
        object.secretKey = nil
        #expect {
            _ = try Self.store(FakeCommandRunner(), object: object)
        } throws: { error in
            guard case .ambientCredentials(let volume, let location)? = error as? OwnershipError else { return false }
            let text = "\(error)"
            return volume == "demo" && location.hasPrefix("s3 https://s3.example.com/backups/")
                && text.contains("backup.replica.accessKey and backup.replica.secretKey") && text.contains("instance role")
        }
        #expect(throws: OwnershipError.self) {
            _ = try Self.store(
                FakeCommandRunner(), object: object,
                environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"])
        }
    }

    @Test func aReplicaWithoutKeysInTheSpecSignsWithTheKeysOfJuicectlsEnvironmentKeptOutOfCurlsEnvironment() async throws {
        var object = Self.object
        object.accessKey = nil
        object.secretKey = nil
        let runner = FakeCommandRunner()
        runner.on(["curl", "-q", "--config", "-"], Self.answer(404, Self.s3Error("NoSuchKey")))
        let environment = ["AWS_ACCESS_KEY_ID": "AK-from-env-7", "AWS_SECRET_ACCESS_KEY": "SK-from-env-7"]
        let store = try S3OwnershipStore(
            object: object, volume: "demo", runner: runner, curl: Self.curl,
            secrets: SecretResolver(environment: environment, readFile: { _ in nil }),
            environment: environment)
        #expect(store.accessKey == .env("AWS_ACCESS_KEY_ID") && store.secretKey == .env("AWS_SECRET_ACCESS_KEY"))
        #expect(try await store.read() == nil)
        let command = try #require(runner.commands.first)
        #expect(Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]).isSubset(of: Set(command.unsetEnvironment)))
        #expect(command.input?.contains("AK-from-env-7:SK-from-env-7") == true)
    }

    @Test func aKeyThatCannotBeReadStopsTheRequestBeforeCurlRuns() async throws {
        let runner = FakeCommandRunner()
        let store = try S3OwnershipStore(
            object: Self.object, volume: "demo", runner: runner, curl: Self.curl,
            secrets: SecretResolver(environment: [:], readFile: { _ in nil }))
        await #expect {
            _ = try await store.read()
        } throws: { error in
            guard let error = error as? OwnershipStoreError, case .secret = error.problem else { return false }
            return "\(error)".contains("backup.replica.accessKey (env OWN_AK): the variable is not set")
        }
        #expect(runner.commands.isEmpty)
    }

    @Test func aKeyWithAControlCharacterIsRefusedWithoutSayingIt() async throws {
        let runner = FakeCommandRunner()
        let store = try S3OwnershipStore(
            object: Self.object, volume: "demo", runner: runner, curl: Self.curl,
            secrets: SecretResolver(
                environment: ["OWN_AK": "AK\tTAB-key"],
                readFile: { _ in Array("secret-value".utf8) }))
        await #expect {
            _ = try await store.read()
        } throws: { error in
            let text = "\(error)"
            return text.contains("backup.replica.accessKey (env OWN_AK): it holds a control character")
                && !text.contains("TAB-key") && !text.contains("secret-value")
        }
        #expect(runner.commands.isEmpty)
    }

    @Test func curlMissingFromPathIsAnErrorSayingHowToInstallIt() async throws {
        let runner = FakeCommandRunner()
        let store = try S3OwnershipStore(object: Self.object, volume: "demo", runner: runner, curl: "curl", secrets: Self.secrets)
        await #expect {
            _ = try await store.read()
        } throws: { error in
            "\(error)".contains("apt-get install curl")
        }
        #expect(runner.commands.isEmpty)
    }

    @Test func theS3ErrorCodeIsReadOnlyFromAnS3ErrorBody() {
        #expect(S3OwnershipStore.errorCode(in: Self.s3Error("NoSuchKey")) == "NoSuchKey")
        #expect(S3OwnershipStore.errorCode(in: "<Code>a b</Code>") == nil)
        #expect(S3OwnershipStore.errorCode(in: "{}") == nil)
    }

    @Test func aCommandInterpolatedIntoAMessageShowsNeitherItsEnvironmentNorItsInput() {
        let command = Command("/usr/bin/curl", ["-q"], environment: ["TOKEN": "env-s3cret-1"], input: "user = \"k:input-s3cret-2\"")
        for text in Self.shownTexts(command) where !command.environment.values.contains(text) {
            #expect(!text.contains("env-s3cret-1") && !text.contains("input-s3cret-2"), "\(text)")
        }
        #expect("\(command)" == "curl -q")
        #expect(command.debugDescription == "curl -q [environment: TOKEN] [input: 25 bytes]")
    }
}
