import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// A Litestream replica in S3: the configuration, the environment Litestream gets, how its position is read, and
/// what the planner does when the metadata is gone and the replica cannot be listed.
@Suite("S3 replica")
struct S3ReplicaTests {
    static let accessKey = "AKIA-replica-ACCESS-77"
    static let secretKey = "replica-s3cr3t-SECRET-77"

    static func replica(keys: Bool = true) -> VolumeSpec.BackupSettings.S3Replica {
        VolumeSpec.BackupSettings.S3Replica(
            bucket: "http://127.0.0.1:19000/backups", prefix: "hosts/a/fixvol", region: "eu-west-1",
            accessKey: keys ? .env("LS_AK") : nil, secretKey: keys ? .file("/etc/juicectl/ls-sk") : nil)
    }

    static func settings(keys: Bool = true) -> VolumeSpec.BackupSettings {
        VolumeSpec.BackupSettings(replica: .s3(replica(keys: keys)))
    }

    static let resolver = SecretResolver(
        environment: ["LS_AK": accessKey],
        readFile: { $0 == "/etc/juicectl/ls-sk" ? Array((secretKey + "\n").utf8) : nil })

    /// The scenario's spec with its backup going to the S3 replica (without keys: ambient credentials).
    static func scenario(_ base: String) throws -> (VolumeScenario, VolumeSpec) {
        let scenario = try VolumeScenario(baseDir: base)
        var spec = scenario.spec
        spec.backup?.replica = .s3(replica(keys: false))
        return (scenario, spec)
    }

    static let ltxListing = """
        [
          {"level": 0, "min_txid": "0000000000000001", "max_txid": "0000000000000001", "size": 567, "timestamp": "2026-11-26T04:10:44Z"},
          {"level": 0, "min_txid": "0000000000000002", "max_txid": "00000000000000a2", "size": 191, "timestamp": "2026-11-26T04:10:46Z"},
          {"level": 9, "min_txid": "0000000000000001", "max_txid": "0000000000000002", "size": 568, "timestamp": "2026-11-26T04:10:45Z"}
        ]
        """

    @Test func theConfigurationNamesBucketPrefixEndpointAndRegionButNoKey() throws {
        let scenario = try VolumeScenario(baseDir: "/srv/fixvol")
        var spec = scenario.spec
        spec.backup?.replica = .s3(Self.replica())
        let text = try #require(LitestreamConfig.text(for: spec))
        for line in [
            "type: s3", "bucket: \"backups\"", "path: \"hosts/a/fixvol\"", "endpoint: \"http://127.0.0.1:19000\"",
            "region: \"eu-west-1\"", "force-path-style: true", "sync-interval: 1s",
        ] {
            #expect(text.contains("      \(line)\n"), "missing \(line) in\n\(text)")
        }
        #expect(!text.contains("key"), "keys go in Litestream's environment, not its file:\n\(text)")
        #expect(!text.contains("LS_AK") && !text.contains("/etc/juicectl/ls-sk"))
    }

    @Test func aFileReplicaConfigurationIsUnchangedInShape() throws {
        let scenario = try VolumeScenario(baseDir: "/srv/fixvol")
        let text = try #require(LitestreamConfig.text(for: scenario.spec))
        #expect(text.contains("    replica:\n      type: file\n      path: \"/srv/fixvol/replica\"\n      sync-interval: 1s\n"), "\(text)")
    }

    @Test func litestreamGetsTheKeysInItsEnvironmentAndNeverAWSCABundle() throws {
        let client = LitestreamClient(runner: FakeCommandRunner(), executable: "/opt/bin/litestream", secrets: Self.resolver)
        let command = try client.command(["replicate", "-config", "/x.yml"], backup: Self.settings(), timeout: .seconds(5))
        #expect(command.environment == ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secretKey])
        #expect(Set(command.unsetEnvironment) == ["AWS_CA_BUNDLE", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
        #expect(!command.displayString.contains(Self.accessKey) && !command.displayString.contains(Self.secretKey))

        let ambient = try client.command(["ltx"], backup: Self.settings(keys: false), timeout: .seconds(5))
        #expect(ambient.environment.isEmpty, "no keys named: Litestream uses the credentials of its environment")
        #expect(ambient.unsetEnvironment == ["AWS_CA_BUNDLE"])
        let file = try client.command(["ltx"], backup: VolumeSpec.BackupSettings(replicaPath: "/r"), timeout: .seconds(5))
        #expect(file.environment.isEmpty && file.unsetEnvironment == ["AWS_CA_BUNDLE"])
    }

    @Test func anUnreadableKeyIsASecretErrorAndLitestreamDoesNotRun() async throws {
        let runner = FakeCommandRunner()
        let client = LitestreamClient(
            runner: runner, executable: "/opt/bin/litestream",
            secrets: SecretResolver(environment: [:], readFile: { _ in nil }))
        await #expect(throws: SecretError.self) { try await client.replicaFiles(Self.settings()) }
        #expect(runner.commands.isEmpty)
    }

    @Test func theReplicaURLCarriesEndpointRegionAndPathStyle() {
        let url = LitestreamClient.replicaURL(.s3(Self.replica()))
        #expect(url == "s3://backups/hosts/a/fixvol?endpoint=http://127.0.0.1:19000&region=eu-west-1&forcePathStyle=true")
        #expect(LitestreamClient.replicaURL(.file(path: "/srv/r")) == "file:///srv/r")
    }

    @Test func theListingGivesTheNewestTransactionOverAllLevels() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["litestream", "ltx", "-json", "-level", "all"], .success(Self.ltxListing))
        let client = LitestreamClient(runner: runner, executable: "/opt/bin/litestream", secrets: Self.resolver)
        let files = try await client.replicaFiles(Self.settings())
        #expect(files.count == 3)
        #expect(files.map(\.maxTXID).max() == 0xa2)
        #expect(files.compactMap(\.created).max() == Date(timeIntervalSince1970: 1_795_666_246))
    }

    @Test func anEchoedKeyIsMaskedInAListingError() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["litestream", "ltx"], .failure(stderr: "Error: access key \(Self.accessKey) denied (secret \(Self.secretKey))"))
        let client = LitestreamClient(runner: runner, executable: "/opt/bin/litestream", secrets: Self.resolver)
        let error = await #expect(throws: LitestreamClient.ListingError.self) { try await client.replicaFiles(Self.settings()) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("denied"), "\(text)")
        #expect(!text.contains(Self.accessKey) && !text.contains(Self.secretKey), "\(text)")
    }

    @Test func missingMetadataWithAFilledS3ReplicaIsRestoredNotFormatted() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec) = try Self.scenario(base)
            scenario.runner.on(prefix: ["litestream", "ltx"], .success(Self.ltxListing))
            let observation = await scenario.reconciler.plan(spec).observation
            let plan = Planner.plan(spec, observation)
            #expect(observation.backup?.replicaExists == true)
            #expect(observation.backup?.replicaTXID == 0xa2)
            // A volume another host could pick up is claimed first, then restored.
            #expect(Array(plan.actions.map(\.kind).prefix(2)) == [.claimOwnership, .restoreMetadata], "\(plan.actions.map(\.kind))")
            #expect(!plan.actions.contains { $0.kind == .format })
            #expect(plan.actions.dropFirst().first?.reason.contains("s3 http://127.0.0.1:19000/backups/hosts/a/fixvol") == true)
        }
    }

    @Test func missingMetadataWithAnEmptyS3ReplicaIsFormatted() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec) = try Self.scenario(base)
            scenario.runner.on(prefix: ["litestream", "ltx"], .success("[]"))
            let (plan, observation) = await scenario.reconciler.plan(spec)
            #expect(observation.backup?.replicaExists == false)
            #expect(Array(plan.actions.map(\.kind).prefix(2)) == [.claimOwnership, .format], "\(plan.actions.map(\.kind))")
        }
    }

    @Test func missingMetadataWithAnUnlistableS3ReplicaIsATransientConflictAndNothingIsFormatted() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec) = try Self.scenario(base)
            scenario.runner.on(
                prefix: ["litestream", "ltx"],
                .failure(stderr: "Error: operation error S3: ListObjectsV2, dial tcp 127.0.0.1:19000: connect: connection refused"))
            let (plan, _) = await scenario.reconciler.plan(spec)
            #expect(!plan.actions.contains { $0.kind == .format || $0.kind == .restoreMetadata }, "\(plan.actions.map(\.kind))")
            let conflict = try #require(plan.conflicts.first { $0.code == .replicaUnreadable })
            #expect(conflict.blocking)
            #expect(conflict.message.contains("connection refused"), "\(conflict.message)")
        }
    }

    @Test func aMountedVolumeIsPlannedWithoutListingTheS3ReplicaButStatusListsIt() async throws {
        try await withTemporaryDirectory { base in
            let (scenario, spec) = try Self.scenario(base)
            try scenario.metadataFileExists()
            try scenario.installLiveMount()
            scenario.runner.on(prefix: ["litestream", "ltx"], .success(Self.ltxListing))
            let (_, observation) = await scenario.reconciler.plan(spec)
            #expect(scenario.runner.count(of: "litestream") == 0, "the no-op path stays free of store calls")
            #expect(observation.backup?.replicaListed == false)

            let status = await scenario.reconciler.status(spec)
            #expect(scenario.runner.count(of: "litestream") == 1)
            #expect(status.observation.backup?.replicaTXID == 0xa2)
        }
    }

    @Test func planShowsTheS3ReplicaRedactedWithWhereItsKeysComeFrom() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            var spec = scenario.spec
            spec.backup?.replica = .s3(Self.replica())
            scenario.runner.on(prefix: ["litestream", "ltx"], .success("[]"))
            let plan = Planner.plan(spec, await scenario.observer.observe(spec))
            let shown =
                "backup s3 http://127.0.0.1:19000/backups/hosts/a/fixvol (accessKey: env LS_AK, secretKey: file /etc/juicectl/ls-sk)"
            #expect(PlanRenderer.human([plan]).contains(shown), "\(PlanRenderer.human([plan]))")
            let json = PlanRenderer.json([plan])
            #expect(json.contains("\"backup\" : \"s3 http://127.0.0.1:19000/backups/hosts/a/fixvol"), "\(json)")
        }
    }
}
