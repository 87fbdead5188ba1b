import Foundation
import Testing

@testable import JuiceCtlCore

/// Which volumes are owned by one host at a time, where the record lives, and the record's JSON.
@Suite("Ownership: which volumes need a record, where it lives, its JSON")
struct OwnershipRequirementTests {
    static let s3Storage = """
        storage:
          type: s3
          bucket: https://s3.example.com/objects
          accessKey: {env: AK}
          secretKey: {env: SK}

        """

    static let s3Replica = """
        backup:
          replica:
            type: s3
            bucket: https://s3.example.com/backups/
            prefix: hosts/demo
            region: eu-west-3
            accessKey: {env: RAK}
            secretKey: {file: /etc/juicectl/rsk}

        """

    @Test("SQLite with an S3 replica: the record is next to the replica's prefix, in its bucket, with its keys")
    func sqliteWithAnS3Replica() throws {
        for storage in ["", Self.s3Storage] {
            let requirement = OwnershipRequirement.of(try SpecFixture.spec(SpecFixture.yaml(storage + Self.s3Replica)))
            let expected = OwnershipLocation.S3Object(
                bucket: "https://s3.example.com/backups", key: "hosts/demo.juicectl-owner.json",
                region: "eu-west-3", accessKey: .env("RAK"), secretKey: .file("/etc/juicectl/rsk"))
            #expect(requirement == .required(.s3(expected)))
            #expect(requirement.location?.display == "s3 https://s3.example.com/backups/hosts/demo.juicectl-owner.json")
            #expect(expected.url == "https://s3.example.com/backups/hosts/demo.juicectl-owner.json" && expected.isHTTPS)
        }
    }

    @Test("SQLite with S3 storage and a file replica: the record is inside the replica's directory")
    func sqliteWithS3StorageAndAFileReplica() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml(Self.s3Storage + "backup:\n  replica:\n    path: /mnt/shared/demo/\n"))
        #expect(OwnershipRequirement.of(spec) == .required(.file(path: "/mnt/shared/demo/juicectl-owner.json")))
        let byDefault = try SpecFixture.spec(SpecFixture.yaml(Self.s3Storage))
        #expect(OwnershipRequirement.of(byDefault) == .required(.file(path: "/srv/demo/replica/juicectl-owner.json")))
    }

    @Test("SQLite with S3 storage and backup disabled: required, but with nowhere to keep the record")
    func sqliteWithS3StorageAndNoBackup() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml(Self.s3Storage + "backup:\n  enabled: false\n"))
        let requirement = OwnershipRequirement.of(spec)
        #expect(requirement == .requiredWithoutLocation && requirement.isRequired && requirement.location == nil)
        #expect("\(OwnershipError.noLocation(volume: "demo"))".contains("Enable backup with an S3 replica"))
    }

    @Test("SQLite with local objects and a file replica or none: this host only")
    func sqliteHostLocal() throws {
        for extra in ["", "backup:\n  enabled: false\n", "backup:\n  replica:\n    path: /srv/replicas/demo\n"] {
            let requirement = OwnershipRequirement.of(try SpecFixture.spec(SpecFixture.yaml(extra)))
            #expect(requirement == .notRequired(.hostLocal) && !requirement.isRequired)
        }
    }

    @Test("Redis and PostgreSQL volumes never need a record, whatever their storage")
    func sharedEngines() throws {
        for (url, engine) in [
            ("redis://127.0.0.1:6379/1", VolumeSpec.Metadata.Engine.redis),
            ("postgres://u@127.0.0.1:5432/jfs", .postgres),
        ] {
            let spec = try SpecFixture.spec(SpecFixture.yaml(Self.s3Storage + "metadata:\n  url: \(url)\n"))
            #expect(OwnershipRequirement.of(spec) == .notRequired(.sharedEngine(engine)))
        }
    }

    @Test func theBucketURLIsRedactedInTheLocationsDisplay() {
        let object = OwnershipLocation.S3Object(
            bucket: "http://user:pw@127.0.0.1:9000/b", key: "k.juicectl-owner.json",
            region: "us-east-1", accessKey: nil, secretKey: nil)
        #expect(OwnershipLocation.s3(object).display == "s3 http://****@127.0.0.1:9000/b/k.juicectl-owner.json")
    }

    @Test func theStateFilesLiveInTheBaseDirectorysStateDirectory() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.instanceIdFile == "/srv/demo/.juicectl/instance-id")
        #expect(spec.ownershipMemoryFile == "/srv/demo/.juicectl/ownership.json")
    }

    // MARK: The record

    static let owner = OwnershipIdentity(host: "web-2", machineId: "m1", bootId: "b1", instance: "3f2a9c1d-0000", pid: 77)

    @Test func aRecordRoundTripsThroughItsJSONWithSortedKeysAndWholeSeconds() throws {
        let record = OwnershipRecord(
            volume: "demo", uuid: "u-1", owner: Self.owner, generation: 7,
            since: Date(timeIntervalSince1970: 1_764_760_532.75), state: .owned, nonce: "n-1")
        let text = String(decoding: record.encoded(), as: UTF8.self)
        #expect(
            text == """
                {"bootId":"b1","generation":7,"host":"web-2","instance":"3f2a9c1d-0000","machineId":"m1","nonce":"n-1",\
                "pid":77,"since":"2025-12-03T11:15:32Z","state":"owned","uuid":"u-1","version":1,"volume":"demo"}
                """)
        #expect(try OwnershipRecord.decode(record.encoded(), location: "x") == record)
        #expect(record.owner == Self.owner && record.isOwned(by: "3f2a9c1d-0000") && !record.isOwned(by: "other"))
        #expect(record.summary == "host web-2 (instance 3f2a9c1d, pid 77), generation 7, since 2025-12-03T11:15:32Z")
        var released = record
        released.state = .released
        #expect(released.summary.hasPrefix("released by host web-2") && !released.isOwned(by: "3f2a9c1d-0000"))
    }

    @Test(
        "bytes that are not a record, or a newer format, are an error naming the location",
        arguments: [
            ("not json", "it is not an ownership record (not JSON)"),
            ("{\"volume\":\"demo\"}", "it is not an ownership record (no version)"),
            (
                """
                {"bootId":"b","generation":1,"host":"h","instance":"i","machineId":"m","nonce":"n","pid":1,\
                "since":"2025-12-03T11:15:32Z","state":"owned","version":2,"volume":"demo"}
                """, "it has format 2; this juicectl reads up to 1"
            ),
        ])
    func unreadableRecords(_ text: String, _ problem: String) {
        #expect(throws: OwnershipError.unreadableRecord(location: "s3 http://h/b/k", problem: problem)) {
            try OwnershipRecord.decode(Data(text.utf8), location: "s3 http://h/b/k")
        }
    }
}
