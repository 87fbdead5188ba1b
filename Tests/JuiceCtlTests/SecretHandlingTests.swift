import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("Secrets: resolved when needed, handed over in the environment, never printed")
struct SecretHandlingTests {
    static let password = "pw-s3cr3t-VALUE-42"
    static let accessKey = "AK-s3cr3t-ACCESS-42"
    static let secretKey = "SK-s3cr3t-SECRET-42"

    static func resolver(files: [String: String] = [:]) -> SecretResolver {
        SecretResolver(
            environment: ["JFS_META_PW": password, "JFS_AK": accessKey, "EMPTY": ""],
            readFile: { path in files[path].map { Array($0.utf8) } })
    }

    static func sharedSpec() throws -> VolumeSpec {
        try TestSpec.make(
            baseDir: "/srv/shared",
            """
            storage:
              type: s3
              bucket: http://127.0.0.1:19000/jfs
              accessKey: {env: JFS_AK}
              secretKey: {file: /etc/juicectl/sk}
            metadata:
              url: redis://127.0.0.1:6379/1
              password: {env: JFS_META_PW}
            """)
    }

    @Test func anEnvironmentSecretIsReadFromJuicectlsEnvironment() throws {
        #expect(try Self.resolver().resolve(.env("JFS_META_PW"), key: "metadata.password") == Self.password)
    }

    @Test func aFileSecretLosesItsOneTrailingNewline() throws {
        let resolver = Self.resolver(files: ["/s/lf": "abc-secret\n", "/s/crlf": "abc-secret\r\n"])
        #expect(try resolver.resolve(.file("/s/lf"), key: "k") == "abc-secret")
        #expect(try resolver.resolve(.file("/s/crlf"), key: "k") == "abc-secret")
    }

    @Test func aFileSecretIsReadThroughTheHost() throws {
        let host = FakeHost()
        host.setFile("/etc/juicectl/sk", text: "sk-from-the-host\n")
        let resolver = SecretResolver(host: host)

        #expect(try resolver.resolve(.file("/etc/juicectl/sk"), key: "storage.secretKey") == "sk-from-the-host")
        #expect(host.calls == ["readLocalFile /etc/juicectl/sk"])
        #expect(throws: SecretError.self) { try resolver.resolve(.file("/etc/juicectl/missing"), key: "storage.secretKey") }
    }

    @Test func anUnsetEmptyOrUnreadableSecretIsAnErrorNamingTheKeyAndSourceButNoValue() {
        let resolver = Self.resolver(files: ["/s/empty": "\n", "/s/two": "a-line\nanother\n"])
        let cases: [(VolumeSpec.SecretSource, String)] = [
            (.env("UNSET_VAR"), "not set"), (.env("EMPTY"), "empty"), (.file("/s/missing"), "cannot be read"),
            (.file("/s/empty"), "empty"), (.file("/s/two"), "more than one line"),
        ]
        for (source, problem) in cases {
            let error = #expect(throws: SecretError.self) { try resolver.resolve(source, key: "metadata.password") }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("metadata.password") && text.contains(problem), "\(text)")
            #expect(text.contains("\(source)"), "\(text)")
            #expect(!text.contains("a-line") && !text.contains(Self.password), "\(text)")
        }
    }

    @Test func juicefsGetsTheMetadataPasswordAsMetaPasswordAndNeverInItsArguments() async throws {
        let spec = try Self.sharedSpec()
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota", "list"], .success(""))
        let client = JuiceFSClient(
            runner: runner, executable: "/opt/bin/juicefs",
            secrets: Self.resolver(files: ["/etc/juicectl/sk": Self.secretKey + "\n"]))
        _ = try await client.quotaList(spec.metadata)
        let command = try #require(runner.commands.first)
        #expect(command.environment == ["META_PASSWORD": Self.password])
        #expect(!command.arguments.joined(separator: " ").contains(Self.password))
        #expect(command.arguments.contains("redis://127.0.0.1:6379/1"))
    }

    @Test func formatGetsTheStorageKeysAsAccessKeyAndSecretKey() async throws {
        let spec = try Self.sharedSpec()
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "format"], .success(""))
        let client = JuiceFSClient(
            runner: runner, executable: "/opt/bin/juicefs",
            secrets: Self.resolver(files: ["/etc/juicectl/sk": Self.secretKey + "\n"]))
        try await client.format(spec)
        let command = try #require(runner.commands.first)
        #expect(command.environment == ["META_PASSWORD": Self.password, "ACCESS_KEY": Self.accessKey, "SECRET_KEY": Self.secretKey])
        let arguments = command.arguments.joined(separator: " ")
        #expect(arguments.contains("--storage s3 --bucket http://127.0.0.1:19000/jfs"), "\(arguments)")
        for secret in [Self.password, Self.accessKey, Self.secretKey] { #expect(!arguments.contains(secret)) }
    }

    @Test func aSecretJuicefsEchoesInAnErrorIsMasked() async throws {
        let spec = try Self.sharedSpec()
        let runner = FakeCommandRunner()
        runner.on(
            prefix: ["juicefs", "format"],
            .failure(stderr: "<FATAL>: the access key \(Self.accessKey) does not exist (secret \(Self.secretKey)) [x.go:1]"))
        let client = JuiceFSClient(
            runner: runner, executable: "/opt/bin/juicefs",
            secrets: Self.resolver(files: ["/etc/juicectl/sk": Self.secretKey]))
        let error = await #expect(throws: JuiceFSError.self) { try await client.format(spec) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("the access key **** does not exist (secret ****)"), "\(text)")
        #expect(!text.contains(Self.accessKey) && !text.contains(Self.secretKey))
    }

    @Test func aMissingSecretFailsTheCommandBeforeJuicefsRuns() async throws {
        let spec = try Self.sharedSpec()
        let runner = FakeCommandRunner()
        let client = JuiceFSClient(
            runner: runner, executable: "/opt/bin/juicefs", secrets: SecretResolver(environment: [:], readFile: { _ in nil }))
        await #expect(throws: SecretError.self) { _ = try await client.status(spec.metadata) }
        #expect(runner.commands.isEmpty)
    }

    @Test func scrubMasksEverySecretLongestFirstAndLeavesShortOnesAlone() {
        #expect(Redaction.scrub("a abcdef abcd b", secrets: ["abcd", "abcdef", "ab"]) == "a **** **** b")
    }

    @Test func knownSecretsListsWhatCanBeReadNow() throws {
        let spec = try Self.sharedSpec()
        #expect(Set(Self.resolver().knownSecrets(of: spec)) == [Self.password, Self.accessKey])
    }
}
