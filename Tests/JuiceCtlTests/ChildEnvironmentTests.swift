import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The environment every program juicectl starts gets: a fixed base, the groups of juicectl's variables it needs,
/// and its own volume's secrets; never juicectl's whole environment.
@Suite("Child environment")
struct ChildEnvironmentTests {
    /// juicectl's environment on a host with two volumes: A's password, B's secret, ambient AWS keys, a proxy, and
    /// variables no program needs.
    static let parent = [
        "PATH": "/home/op/bin:/usr/bin", "HOME": "/root", "TZ": "Europe/Zurich", "LANG": "de_CH.UTF-8",
        "A_META_PASSWORD": "a-password-1111", "B_SECRET": "b-secret-2222", "JUICECTL_FAULT_AT": "x", "SSH_AUTH_SOCK": "/tmp/agent",
        "AWS_ACCESS_KEY_ID": "AKIA-ambient", "AWS_SECRET_ACCESS_KEY": "ambient-secret", "AWS_CA_BUNDLE": "/etc/ca.pem",
        "HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost",
    ]

    @Test("a program that needs nothing of juicectl's gets PATH, LC_ALL=C, TZ and the values its command sets, nothing else")
    func base() {
        let command = Command("/usr/bin/juicefs", ["status"], environment: ["META_PASSWORD": "a-password-1111"])
        #expect(
            ChildEnvironment.build(command, parent: Self.parent) == [
                "PATH": ChildEnvironment.path, "LC_ALL": "C", "TZ": "Europe/Zurich", "META_PASSWORD": "a-password-1111",
            ])
    }

    @Test("the network group adds proxies and CA settings; the ambient group adds AWS_* and HOME; unset names stay out")
    func groups() {
        let network = ChildEnvironment.build(Command("/usr/bin/curl", [], inherits: [.network]), parent: Self.parent)
        #expect(
            network == [
                "PATH": ChildEnvironment.path, "LC_ALL": "C", "TZ": "Europe/Zurich",
                "HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost", "AWS_CA_BUNDLE": "/etc/ca.pem",
            ])
        let ambient = ChildEnvironment.build(
            Command(
                "/usr/bin/litestream", [], unsetEnvironment: ["AWS_CA_BUNDLE"],
                inherits: [.network, .ambientCredentials]), parent: Self.parent)
        #expect(ambient["AWS_ACCESS_KEY_ID"] == "AKIA-ambient" && ambient["AWS_SECRET_ACCESS_KEY"] == "ambient-secret")
        #expect(ambient["HOME"] == "/root" && ambient["HTTPS_PROXY"] == "http://proxy:3128")
        #expect(ambient["AWS_CA_BUNDLE"] == nil, "an unset name is refused even when its group is inherited")
        for environment in [network, ambient] {
            #expect(
                environment["B_SECRET"] == nil && environment["A_META_PASSWORD"] == nil && environment["JUICECTL_FAULT_AT"] == nil
                    && environment["SSH_AUTH_SOCK"] == nil && environment["LANG"] == nil, "\(environment.keys.sorted())")
        }
    }

    @Test("a value the command sets wins over juicectl's variable of that name, also over PATH and LC_ALL")
    func explicitValuesWin() {
        let command = Command(
            "/bin/sh", [], environment: ["PATH": "/opt/bin", "AWS_ACCESS_KEY_ID": "AKIA-spec"], inherits: [.ambientCredentials])
        let environment = ChildEnvironment.build(command, parent: Self.parent)
        #expect(environment["PATH"] == "/opt/bin" && environment["AWS_ACCESS_KEY_ID"] == "AKIA-spec")
    }

    @Test(
        """
        juicefs inherits nothing for a local volume, the network settings for Redis, and the ambient credentials only for S3 storage \
        without keys
        """
    )
    func juicefsGroups() {
        let sqlite = VolumeSpec.Metadata.sqlite(path: "/srv/a/metadata.db")
        #expect(JuiceFSClient.inherits(storage: .local(path: "/srv/a/objects"), metadata: sqlite).isEmpty)
        #expect(JuiceFSClient.inherits(storage: nil, metadata: .redis(url: "redis://db:6379/1")) == [.network])
        #expect(
            JuiceFSClient.inherits(storage: .s3(bucket: "http://s3/b", accessKey: .env("AK"), secretKey: .env("SK")), metadata: sqlite) == [
                .network
            ])
        #expect(
            JuiceFSClient.inherits(storage: .s3(bucket: "http://s3/b", accessKey: nil, secretKey: nil), metadata: sqlite)
                == [.network, .ambientCredentials])
    }

    @Test("juicefs mount gets its own volume's password and, for Redis, the network settings: never another volume's secret")
    func mountCommandOfALocalVolume() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs"], .success())
        let resolver = SecretResolver(environment: Self.parent, readFile: { _ in nil })
        let client = JuiceFSClient(runner: runner, executable: "/usr/bin/juicefs", secrets: resolver)
        var spec = try VolumeScenario(baseDir: "/srv/fixvol").spec
        spec.metadata = .redis(url: "redis://db:6379/1")
        spec.metadata.password = .env("A_META_PASSWORD")
        try await client.mount(spec)
        let command = try #require(runner.commands(startingWith: ["juicefs"]).first)
        #expect(command.environment == ["META_PASSWORD": "a-password-1111"])
        #expect(command.inherits == [.network])
        #expect(!ChildEnvironment.build(command, parent: Self.parent).values.contains("b-secret-2222"))
    }

    @Test(
        "Litestream with a file replica inherits nothing; with an S3 replica the network settings, and its ambient credentials without keys"
    )
    func litestreamGroups() {
        #expect(LitestreamClient.inherits(.file(path: "/r"), keysGiven: false).isEmpty)
        let s3 = VolumeSpec.BackupSettings.Replica.s3(S3ReplicaTests.replica(keys: true))
        #expect(LitestreamClient.inherits(s3, keysGiven: true) == [.network])
        #expect(LitestreamClient.inherits(s3, keysGiven: false) == [.network, .ambientCredentials])
    }
}
