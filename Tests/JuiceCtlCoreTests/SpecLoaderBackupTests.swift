import Foundation
import Testing

@testable import JuiceCtlCore

/// `backup:` under the minimal spec (volume `demo` under /srv/demo, mounted at /srv/demo/data, its database at
/// /srv/demo/metadata.db), the section starting on line 4.
private func backupYAML(_ body: String) -> String {
    SpecFixture.yaml(
        "backup:\n"
            + body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "  \($0)" }.joined(separator: "\n") + "\n")
}

@Suite("SpecLoader backup")
struct SpecLoaderBackupTests {
    // MARK: Defaults

    @Test("SQLite metadata is backed up by default: a file replica at <baseDir>/replica, sync 1s, snapshot 1h, retention 24h")
    func onByDefault() throws {
        let backup = try #require(try SpecFixture.spec().backup, "a SQLite volume without a backup section has a backup")
        #expect(backup.replicaPath == "/srv/demo/replica")
        #expect(backup.syncInterval == .seconds(1))
        #expect(backup.snapshotInterval == .seconds(3600))
        #expect(backup.retention == .seconds(86400))
        #expect(backup == VolumeSpec.BackupSettings(replicaPath: "/srv/demo/replica"))
    }

    @Test("the default replica follows baseDir and stays apart from a custom metadata database")
    func defaultReplicaFollowsBaseDir() throws {
        let spec = try SpecFixture.spec(
            """
            version: 1
            name: demo
            baseDir: /var/lib/juicectl/demo
            metadata:
              url: sqlite3:///var/lib/juicectl/demo/meta/fs.db
            """)
        #expect(spec.backup?.replicaPath == "/var/lib/juicectl/demo/replica")
    }

    @Test("an empty section and enabled: true are the same spec as no section")
    func emptySectionIsTheDefault() throws {
        let none = try SpecFixture.spec()
        for yaml in [SpecFixture.yaml("backup: {}\n"), backupYAML("enabled: true")] {
            let spec = try SpecFixture.spec(yaml)
            #expect(spec.backup == none.backup)
            #expect(spec.origin.revision == none.origin.revision, "the same desired state has the same revision")
        }
    }

    @Test("enabled: false gives no backup, whatever the rules across its keys would say, and is a different revision")
    func disabled() throws {
        let spec = try SpecFixture.spec(backupYAML("enabled: false\nreplica:\n  path: /srv/demo/data/inside-the-mount\nsyncInterval: 5s"))
        #expect(spec.backup == nil)
        #expect(spec.origin.revision != (try SpecFixture.spec()).origin.revision)
    }

    @Test("a disabled section's values are still checked one by one, ranges included, as its types always were")
    func disabledSectionKeepsSingleKeyRules() {
        let errors = SpecFixture.errors(backupYAML("enabled: false\nsyncInterval: 1ms"))
        #expect(errors.map(\.path) == ["backup.syncInterval"])
        #expect(errors.first?.message == "'1ms' is below 1s")
    }

    @Test("every key is read as written; the replica path is normalised")
    func everyKey() throws {
        let spec = try SpecFixture.spec(
            backupYAML(
                """
                replica:
                  type: file
                  path: /srv//backups/demo/
                syncInterval: 5s
                snapshotInterval: 30m
                retention: 72h
                """))
        #expect(
            spec.backup
                == VolumeSpec.BackupSettings(
                    replicaPath: "/srv/backups/demo", syncInterval: .seconds(5),
                    snapshotInterval: .seconds(1800), retention: .seconds(72 * 3600)))
    }

    @Test("exactly 1s is the smallest interval accepted, in any unit")
    func oneSecondIsAccepted() throws {
        let spec = try SpecFixture.spec(backupYAML("syncInterval: 1000ms\nsnapshotInterval: 1s\nretention: 1s"))
        #expect(spec.backup?.syncInterval == .seconds(1))
        #expect(spec.backup?.snapshotInterval == .seconds(1))
        #expect(spec.backup?.retention == .seconds(1))
    }

    @Test("the backup settings are part of the spec's revision")
    func revision() throws {
        let base = try SpecFixture.spec().origin.revision
        #expect(try SpecFixture.spec(backupYAML("syncInterval: 2s")).origin.revision != base)
        #expect(try SpecFixture.spec(backupYAML("replica:\n  path: /srv/backups/demo")).origin.revision != base)
    }

    // MARK: Errors

    @Test(
        "a wrong key or type in the section is an error at its line and column",
        arguments: [
            ExpectedDiagnostic(
                yaml: backupYAML("interval: 1s"), line: 5, column: 3, path: "backup.interval",
                message: "unknown key 'interval'"),
            ExpectedDiagnostic(
                yaml: backupYAML("replica:\n  url: file:///srv/backups"), line: 6, column: 5, path: "backup.replica.url",
                message: "unknown key 'url'", hint: "type, path"),
            ExpectedDiagnostic(
                yaml: backupYAML("enabled: no"), line: 5, column: 12, path: "backup.enabled",
                message: "expected true or false, found a string", hint: "'no' is a string in YAML 1.2"),
            ExpectedDiagnostic(
                yaml: backupYAML("replica:\n  type: nfs"), line: 6, column: 11, path: "backup.replica.type",
                message: "'nfs' is not one of: file, s3"),
            ExpectedDiagnostic(
                yaml: backupYAML("replica:\n  path: backups/demo"), line: 6, column: 11, path: "backup.replica.path",
                message: "'backups/demo' is not an absolute path"),
            ExpectedDiagnostic(
                yaml: backupYAML("syncInterval: 1"), line: 5, column: 17, path: "backup.syncInterval",
                message: "found an integer"),
            ExpectedDiagnostic(
                yaml: backupYAML("retention: 7d"), line: 5, column: 14, path: "backup.retention",
                message: "'7d' is not"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("backup: true\n"), line: 4, column: 9, path: "backup",
                message: "expected a mapping, found a boolean"),
        ])
    func schemaErrors(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "an interval or retention below 1s is an error at its value",
        arguments: [
            ("syncInterval: 500ms", "backup.syncInterval", 17, "'500ms' is below 1s"),
            ("snapshotInterval: \"0\"", "backup.snapshotInterval", 21, "'0' is below 1s"),
            ("retention: 999ms", "backup.retention", 14, "'999ms' is below 1s"),
        ])
    func belowOneSecond(line: String, path: String, column: Int, message: String) {
        ExpectedDiagnostic(yaml: backupYAML(line), line: 5, column: column, path: path, message: message).check()
    }

    @Test("the replica may not lie inside the mount point: it must survive the volume")
    func replicaInsideTheMount() {
        ExpectedDiagnostic(
            yaml: backupYAML("replica:\n  path: /srv/demo/data/replica"), line: 6, column: 11, path: "backup.replica.path",
            message: "/srv/demo/data/replica lies inside the mount point /srv/demo/data",
            hint: "outside the JuiceFS mount"
        ).check()
    }

    @Test("the default replica is checked too: a mount point at <baseDir>/replica is refused, reported at mount.path")
    func defaultReplicaInsideTheMount() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("mount:\n  path: /srv/demo/replica\n"), line: 5, column: 9, path: "backup.replica.path",
            message: "/srv/demo/replica lies inside the mount point /srv/demo/replica"
        ).check()
    }

    @Test(
        "the replica may not be the database's own directory, nor contain the database",
        arguments: [
            (backupYAML("replica:\n  path: /srv/demo"), 6),
            (backupYAML("replica:\n  path: /srv"), 6),
            (SpecFixture.yaml("metadata:\n  url: sqlite3:///srv/demo/replica/meta.db\n"), 1),
            (
                SpecFixture.yaml(
                    "metadata:\n  url: sqlite3:///srv/demo/replica/meta.db\nbackup:\n  replica:\n    path: /srv/demo/replica\n"), 8
            ),
        ])
    func replicaHoldsTheDatabase(yaml: String, line: Int) {
        let errors = SpecFixture.errors(yaml)
        let error = errors.first { $0.path == "backup.replica.path" }
        #expect(error?.message == "the replica directory must be a directory of its own, not the metadata database's", "\(errors)")
        #expect(error?.hint?.contains("<baseDir>/replica") == true)
        #expect(error?.location.line == line, "at the replica path when the spec names one, else at the document")
    }

    @Test("every error of the section is reported at once")
    func allErrorsAtOnce() {
        let errors = SpecFixture.errors(backupYAML("replica:\n  type: s3\nsyncInterval: 10ms\nretention: 0s"))
        #expect(errors.map(\.path) == ["backup.replica", "backup.syncInterval", "backup.retention"])
    }

    // MARK: Across documents

    @Test(
        "two volumes may not share a replica, nor nest one replica in the other",
        arguments: [
            ("/srv/backups/shared", "/srv/backups/shared"),
            ("/srv/backups", "/srv/backups/bravo"),
            ("/srv/backups/alpha/inner", "/srv/backups/alpha"),
        ])
    func sharedReplica(first: String, second: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let one = try directory.write("1.yaml", "version: 1\nname: alpha\nbaseDir: /srv/a\nbackup:\n  replica:\n    path: \(first)\n")
        let two = try directory.write("2.yaml", "version: 1\nname: bravo\nbaseDir: /srv/b\nbackup:\n  replica:\n    path: \(second)\n")
        let result = SpecLoader().load(paths: [directory.path])
        #expect(result.diagnostics.errors.count == 1, "\(result.diagnostics)")
        let error = try #require(result.diagnostics.errors.first)
        #expect(error.path == "backup.replica.path")
        #expect(error.location.file == two)
        #expect(error.message == "replica \(second) overlaps the replica of volume 'alpha' (\(one):1); one replica location per database")
        #expect(result.specs.map(\.name) == ["alpha"], "the file with the error is not acted on")
    }

    @Test("volumes with their own default replicas load together; a disabled backup collides with nothing")
    func separateReplicas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1.yaml", "version: 1\nname: alpha\nbaseDir: /srv/a\n")
        try directory.write("2.yaml", "version: 1\nname: bravo\nbaseDir: /srv/b\n")
        try directory.write(
            "3.yaml", "version: 1\nname: charlie\nbaseDir: /srv/c\nbackup:\n  enabled: false\n  replica:\n    path: /srv/a/replica\n")
        let result = SpecLoader().load(paths: [directory.path])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(result.specs.map { $0.backup?.replicaPath } == ["/srv/a/replica", "/srv/b/replica", nil])
    }
}

/// `backup.replica` of type s3 with `lines` under it (written at the replica's indentation): `type: s3` is on line
/// 6, the first of `lines` on line 7, their values at column 5 + the key's length + 2.
private func s3ReplicaYAML(_ lines: String...) -> String {
    backupYAML((["replica:", "  type: s3"] + lines.map { "  \($0)" }).joined(separator: "\n"))
}

/// Two volumes, `alpha` and `bravo`, each with the replica section `first` and `second` (YAML under `replica:`).
private func twoVolumes(_ first: String, _ second: String, in directory: TemporaryDirectory) throws -> (String, String) {
    func document(_ name: String, _ replica: String) -> String {
        "version: 1\nname: \(name)\nbaseDir: /srv/\(name)\nbackup:\n  replica:\n"
            + replica.split(separator: "\n").map { "    \($0)\n" }.joined()
    }
    return (try directory.write("1.yaml", document("alpha", first)), try directory.write("2.yaml", document("bravo", second)))
}

@Suite("SpecLoader backup: S3 replica")
struct SpecLoaderS3ReplicaTests {
    // MARK: Reading

    @Test(
        """
        an S3 replica needs only a bucket: the prefix defaults to juicefs-metadata/<name>, the region to us-east-1, the keys to \
        Litestream's environment
        """
    )
    func defaults() throws {
        let spec = try SpecFixture.spec(s3ReplicaYAML("bucket: http://127.0.0.1:9000/backups"))
        let backup = try #require(spec.backup)
        #expect(
            backup.replica
                == .s3(
                    .init(
                        bucket: "http://127.0.0.1:9000/backups", prefix: "juicefs-metadata/demo", region: "us-east-1",
                        accessKey: nil, secretKey: nil)))
        #expect(backup.replicaPath == nil, "an S3 replica has no directory on this host")
        #expect(backup.syncInterval == .seconds(1) && backup.snapshotInterval == .seconds(3600) && backup.retention == .seconds(86400))
        #expect(backup.replica.display == "s3 http://127.0.0.1:9000/backups/juicefs-metadata/demo (ambient credentials)")
    }

    @Test("every key of an S3 replica is read as written; the bucket URL and a key file's path are normalised")
    func everyKey() throws {
        let spec = try SpecFixture.spec(
            s3ReplicaYAML(
                "bucket: https://S3.Example.COM/Backups/", "prefix: volumes/demo", "region: eu-west-1",
                "accessKey: {env: LS_ACCESS_KEY}", "secretKey: {file: //etc/juicectl//ls-secret}"))
        #expect(
            spec.backup?.replica
                == .s3(
                    .init(
                        bucket: "https://s3.example.com/Backups", prefix: "volumes/demo", region: "eu-west-1",
                        accessKey: .env("LS_ACCESS_KEY"), secretKey: .file("/etc/juicectl/ls-secret"))))
        #expect(
            spec.backup?.replica.display
                == "s3 https://s3.example.com/Backups/volumes/demo (accessKey: env LS_ACCESS_KEY, secretKey: file /etc/juicectl/ls-secret)")
    }

    @Test(
        "a key prefix is segments of A-Z a-z 0-9 . _ - separated by single /; dots are fine inside a segment",
        arguments: [
            "demo", "volumes/demo", "Team_A/vol-1/meta.db", "..cache/x", "a.b/c..d", "...", String(repeating: "p", count: 512),
        ])
    func prefixAccepted(prefix: String) throws {
        let spec = try SpecFixture.spec(s3ReplicaYAML("bucket: http://h/b", "prefix: \"\(prefix)\""))
        guard case .s3(let replica)? = spec.backup?.replica else {
            Issue.record("not an S3 replica")
            return
        }
        #expect(replica.prefix == prefix)
    }

    @Test(
        """
        a replica in the storage bucket may not sit inside <name>/, where JuiceFS keeps the volume's objects; the default prefix \
        never does
        """,
        arguments: ["prefix: demo", "prefix: demo/litestream"])
    func replicaInsideTheVolumesObjects(prefix: String) throws {
        let storage = "storage:\n  type: s3\n  bucket: http://127.0.0.1:9000/shared\n"
        let bad = SpecLoader().load(text: storage + s3ReplicaYAML("bucket: http://127.0.0.1:9000/shared", prefix), file: "spec.yaml")
        let error = try #require(bad.diagnostics.first { $0.path == "backup.replica.prefix" }, "\(bad.diagnostics)")
        #expect(error.message.contains("where JuiceFS keeps this volume's objects"), "\(error)")
        #expect(error.hint?.contains("juicefs-metadata/demo") == true)
        let fine = SpecLoader().load(text: storage + s3ReplicaYAML("bucket: http://127.0.0.1:9000/shared"), file: "spec.yaml")
        #expect(!fine.diagnostics.hasErrors, "\(fine.diagnostics)")
        let otherBucket = SpecLoader().load(
            text: storage + s3ReplicaYAML("bucket: http://127.0.0.1:9000/other", "prefix: demo"), file: "spec.yaml")
        #expect(!otherBucket.diagnostics.hasErrors, "\(otherBucket.diagnostics)")
    }

    @Test(
        "an S3 replica is not on this host: the rules of a file replica (outside the mount, apart from the database) do not apply",
        arguments: [
            "mount:\n  path: /srv/demo/replica\n",
            "metadata:\n  url: sqlite3:///srv/demo/replica/meta.db\n",
        ])
    func noHostRules(other: String) throws {
        // With the default file replica at /srv/demo/replica, each of these is an error (see replicaInsideTheMount and
        // replicaHoldsTheDatabase).
        #expect(!SpecFixture.errors(SpecFixture.yaml(other)).isEmpty)
        let spec = try SpecFixture.spec(SpecFixture.yaml(other + "backup:\n  replica:\n    type: s3\n    bucket: http://h/b\n"))
        #expect(spec.backup?.replicaPath == nil)
    }

    @Test("the S3 replica is part of the spec's revision")
    func revision() throws {
        let file = try SpecFixture.spec().origin.revision
        let s3 = try SpecFixture.spec(s3ReplicaYAML("bucket: http://h/b")).origin.revision
        #expect(s3 != file)
        #expect(try SpecFixture.spec(s3ReplicaYAML("bucket: http://h/b", "prefix: other")).origin.revision != s3)
        #expect(
            try SpecFixture.spec(s3ReplicaYAML("bucket: http://h/b", "prefix: juicefs-metadata/demo")).origin.revision == s3,
            "the default prefix written out is the same desired state")
    }

    // MARK: Errors

    @Test("type s3 needs a bucket: the error is at the replica mapping, with an example")
    func bucketRequired() {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML(), line: 6, column: 5, path: "backup.replica",
            message: "replica type s3 needs a bucket", hint: "e.g. bucket: https://s3.example.com/my-backups"
        ).check()
    }

    @Test(
        "a bucket URL that is not path-style http(s)://HOST[:PORT]/BUCKET is refused at the value, as for storage",
        arguments: [
            ("ftp://127.0.0.1/b", "is not an http:// or https:// URL", "path-style URL"),
            ("http://127.0.0.1:9000", "names no bucket", "http(s)://HOST[:PORT]/BUCKET"),
            ("http://127.0.0.1:9000/b/volumes/demo", "has more than the bucket in its path", "backup.replica.prefix"),
            ("http://127.0.0.1:9000/b?region=x", "has a query or fragment", "http(s)://HOST[:PORT]/BUCKET"),
            ("http://127.0.0.1:65536/b", "port outside 1 to 65535", "e.g."),
        ])
    func bucketRefused(written: String, message: String, hint: String) {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML("bucket: \"\(written)\""), line: 7, column: 13, path: "backup.replica.bucket",
            message: message, hint: hint
        ).check()
    }

    @Test("credentials in the bucket URL are refused with a hint to the replica's keys, and the URL is shown redacted")
    func bucketCredentials() {
        let yaml = s3ReplicaYAML("bucket: http://AKIAEXAMPLE:\(secretValue)@127.0.0.1:9000/backups")
        ExpectedDiagnostic(
            yaml: yaml, line: 7, column: 13, path: "backup.replica.bucket",
            message: "the bucket URL 'http://****@127.0.0.1:9000/backups' carries credentials",
            hint: "backup.replica.accessKey and backup.replica.secretKey"
        ).check()
        let diagnostics = SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics
        expectNoSecret(in: diagnostics)
        expectNoSecret(in: diagnostics, "AKIAEXAMPLE")
    }

    @Test(
        "the keys come both or neither; neither means Litestream's own credentials",
        arguments: [
            ("accessKey: {env: AK}", "backup.replica.accessKey", "accessKey is given without secretKey"),
            ("secretKey: {file: /etc/sk}", "backup.replica.secretKey", "secretKey is given without accessKey"),
        ])
    func keysInPairs(line: String, path: String, message: String) {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML("bucket: http://h/b", line), line: 8, column: 16, path: path, message: message,
            hint: "neither to use the credentials of Litestream's environment"
        ).check()
    }

    @Test("an inline key is refused at its value without being repeated", arguments: ["accessKey", "secretKey"])
    func inlineSecret(key: String) {
        let other = key == "accessKey" ? "secretKey" : "accessKey"
        let yaml = s3ReplicaYAML("bucket: http://h/b", "\(key): \(secretValue)", "\(other): {env: OTHER_KEY}")
        ExpectedDiagnostic(
            yaml: yaml, line: 8, column: 16, path: "backup.replica.\(key)", message: "an inline secret is not accepted",
            hint: "{env: NAME} or {file: /absolute/path}"
        ).check()
        let diagnostics = SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics
        #expect(diagnostics.errors.count == 1, "\(diagnostics)")
        expectNoSecret(in: diagnostics)
    }

    @Test(
        "a bad key prefix is refused at the value with what is wrong",
        arguments: [
            ("/volumes/demo", "'/volumes/demo' starts with /", "without a leading or trailing /"),
            ("volumes/demo/", "'volumes/demo/' ends with /", "without a leading or trailing /"),
            ("volumes//demo", "has an empty segment (//)", "single /"),
            ("volumes/../demo", "has a '.' or '..' segment", "without them"),
            ("./demo", "has a '.' or '..' segment", "without them"),
            ("..", "has a '.' or '..' segment", "without them"),
            ("my volume", "has a character other than A-Z a-z 0-9 . _ - and /", "e.g. volumes/demo"),
            ("démo", "has a character other than", "e.g. volumes/demo"),
            ("", "must not be empty", nil),
            (String(repeating: "p", count: 513), "is longer than 512 characters", nil),
        ] as [(String, String, String?)])
    func prefixRefused(prefix: String, message: String, hint: String?) {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML("bucket: http://h/b", "prefix: \"\(prefix)\""), line: 8, column: 13,
            path: "backup.replica.prefix", message: message, hint: hint
        ).check()
    }

    @Test("a region is 1 to 64 of a-z, 0-9 and -", arguments: ["US-EAST-1", "eu_west_1", "\"\"", String(repeating: "r", count: 65)])
    func regionRefused(region: String) {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML("bucket: http://h/b", "region: \(region)"), line: 8, column: 13,
            path: "backup.replica.region", message: "is not a region such as us-east-1"
        ).check()
    }

    @Test("path belongs to type file: an S3 replica is named by bucket and prefix")
    func pathIsFile() {
        ExpectedDiagnostic(
            yaml: s3ReplicaYAML("bucket: http://h/b", "path: /srv/backups/demo"), line: 8, column: 11,
            path: "backup.replica.path", message: "'path' belongs to type file",
            hint: "for s3, bucket and prefix name where the replica goes"
        ).check()
    }

    @Test(
        "bucket, prefix, region and the keys belong to type s3, also when the type is left out",
        arguments: [
            ("type: file", "bucket: http://h/b", "backup.replica.bucket", 13),
            ("type: file", "prefix: volumes/demo", "backup.replica.prefix", 13),
            ("path: /srv/backups/demo", "region: eu-west-1", "backup.replica.region", 13),
            ("type: file", "accessKey: {env: AK}", "backup.replica.accessKey", 16),
            ("path: /srv/backups/demo", "secretKey: {env: SK}", "backup.replica.secretKey", 16),
        ])
    func s3KeysOnFile(first: String, line: String, path: String, column: Int) {
        let key = String(path.split(separator: ".").last!)
        ExpectedDiagnostic(
            yaml: backupYAML("replica:\n  \(first)\n  \(line)"), line: 7, column: column, path: path,
            message: "'\(key)' belongs to type s3", hint: "for S3, set type: s3"
        ).check()
    }

    @Test("every error of an S3 replica is reported at once, each at its own line")
    func allErrorsAtOnce() {
        let errors = SpecFixture.errors(s3ReplicaYAML("path: /srv/r", "prefix: /demo", "region: EU", "accessKey: {env: AK}"))
        #expect(
            errors.map(\.path) == [
                "backup.replica", "backup.replica.path", "backup.replica.prefix", "backup.replica.region",
                "backup.replica.accessKey",
            ], "\(errors)")
        #expect(errors.map(\.location.line) == [6, 7, 8, 9, 10])
    }

    @Test("no secret written into an S3 replica, wherever it is misplaced, appears in any diagnostic")
    func secretNeverEchoed() {
        let yaml = s3ReplicaYAML(
            "bucket: http://AK:\(secretValue)@127.0.0.1:9000/backups",
            "accessKey: {env: \(secretValue)}",
            "secretKey: {file: /etc/\(secretValue)/../key, \(secretValue): x}")
        let file = backupYAML("replica:\n  accessKey: \(secretValue)\n  secretKey: {value: \(secretValue)}")
        for text in [yaml, file] {
            let diagnostics = SpecLoader().load(text: text, file: "spec.yaml").diagnostics
            #expect(diagnostics.errors.count >= 2, "\(diagnostics)")
            expectNoSecret(in: diagnostics)
        }
    }

    // MARK: Across documents

    @Test(
        "two volumes' S3 replicas may not share a prefix in one bucket, nor nest one in the other",
        arguments: [
            ("type: s3\nbucket: http://h:9000/backups\nprefix: shared", "type: s3\nbucket: http://h:9000/backups/\nprefix: shared"),
            ("type: s3\nbucket: http://h:9000/backups\nprefix: volumes", "type: s3\nbucket: http://H:9000/backups\nprefix: volumes/bravo"),
            ("type: s3\nbucket: http://h:9000/backups\nprefix: juicefs-metadata/bravo/inner", "type: s3\nbucket: http://h:9000/backups"),
        ])
    func sharedS3Replica(first: String, second: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (one, two) = try twoVolumes(first, second, in: directory)
        let result = SpecLoader().load(paths: [directory.path])
        #expect(result.diagnostics.errors.count == 1, "\(result.diagnostics)")
        let error = try #require(result.diagnostics.errors.first)
        #expect(error.path == "backup.replica")
        #expect(error.location == JuiceCtlCore.SourceLocation(file: two, line: 1, column: 1), "at the later document")
        #expect(error.message.hasPrefix("S3 replica http://h:9000/backups/"))
        #expect(error.message.hasSuffix(" overlaps the replica of volume 'alpha' (\(one):1); one replica location per database"))
        #expect(error.hint?.contains("a prefix of its own") == true)
        #expect(result.specs.map(\.name) == ["alpha"], "the file with the error is not acted on")
    }

    @Test(
        "S3 replicas apart load together: other buckets, prefixes that only share leading characters, a file replica",
        arguments: [
            ("type: s3\nbucket: http://h:9000/backups\nprefix: shared", "type: s3\nbucket: http://h:9000/other\nprefix: shared"),
            ("type: s3\nbucket: http://h:9000/backups\nprefix: demo", "type: s3\nbucket: http://h:9000/backups\nprefix: demo2"),
            ("type: s3\nbucket: http://h:9000/backups", "type: s3\nbucket: http://h:9001/backups"),
            ("type: s3\nbucket: http://h:9000/backups\nprefix: bravo", "path: /srv/bravo/replica"),
        ])
    func separateS3Replicas(first: String, second: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try twoVolumes(first, second, in: directory)
        let result = SpecLoader().load(paths: [directory.path])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(result.specs.count == 2)
    }
}
