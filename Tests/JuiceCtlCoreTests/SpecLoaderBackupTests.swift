import Foundation
import Testing
@testable import JuiceCtlCore

/// `backup:` under the minimal spec (volume `demo` under /srv/demo, mounted at /srv/demo/data, its database at
/// /srv/demo/metadata.db), the section starting on line 4.
private func backupYAML(_ body: String) -> String {
    SpecFixture.yaml("backup:\n" + body.split(separator: "\n", omittingEmptySubsequences: false)
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
        let spec = try SpecFixture.spec("""
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

    @Test("enabled: false gives no backup, whatever else the section says, and is a different revision")
    func disabled() throws {
        let spec = try SpecFixture.spec(backupYAML("enabled: false\nreplica:\n  path: /srv/demo/data/inside-the-mount\nsyncInterval: 1ms"))
        #expect(spec.backup == nil)
        #expect(spec.origin.revision != (try SpecFixture.spec()).origin.revision)
    }

    @Test("every key is read as written; the replica path is normalised")
    func everyKey() throws {
        let spec = try SpecFixture.spec(backupYAML("""
            replica:
              type: file
              path: /srv//backups/demo/
            syncInterval: 5s
            snapshotInterval: 30m
            retention: 72h
            """))
        #expect(spec.backup == VolumeSpec.BackupSettings(replicaPath: "/srv/backups/demo", syncInterval: .seconds(5),
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

    @Test("a wrong key or type in the section is an error at its line and column", arguments: [
        ExpectedDiagnostic(yaml: backupYAML("interval: 1s"), line: 5, column: 3, path: "backup.interval",
                           message: "unknown key 'interval'"),
        ExpectedDiagnostic(yaml: backupYAML("replica:\n  url: file:///srv/backups"), line: 6, column: 5, path: "backup.replica.url",
                           message: "unknown key 'url'", hint: "type, path"),
        ExpectedDiagnostic(yaml: backupYAML("enabled: no"), line: 5, column: 12, path: "backup.enabled",
                           message: "expected true or false, found a string", hint: "'no' is a string in YAML 1.2"),
        ExpectedDiagnostic(yaml: backupYAML("replica:\n  type: nfs"), line: 6, column: 11, path: "backup.replica.type",
                           message: "'nfs' is not one of: file, s3"),
        ExpectedDiagnostic(yaml: backupYAML("replica:\n  path: backups/demo"), line: 6, column: 11, path: "backup.replica.path",
                           message: "'backups/demo' is not an absolute path"),
        ExpectedDiagnostic(yaml: backupYAML("syncInterval: 1"), line: 5, column: 17, path: "backup.syncInterval",
                           message: "found an integer"),
        ExpectedDiagnostic(yaml: backupYAML("retention: 7d"), line: 5, column: 14, path: "backup.retention",
                           message: "'7d' is not"),
        ExpectedDiagnostic(yaml: SpecFixture.yaml("backup: true\n"), line: 4, column: 9, path: "backup",
                           message: "expected a mapping, found a boolean"),
    ])
    func schemaErrors(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("replica type s3 is reserved for a later version, with a hint to use file")
    func s3Reserved() {
        ExpectedDiagnostic(yaml: backupYAML("replica:\n  type: s3"), line: 6, column: 11, path: "backup.replica.type",
                           message: "replica type 's3' is reserved for a later version", hint: "use type: file").check()
    }

    @Test("an interval or retention below 1s is an error at its value", arguments: [
        ("syncInterval: 500ms", "backup.syncInterval", 17, "'500ms' is below 1s"),
        ("snapshotInterval: \"0\"", "backup.snapshotInterval", 21, "'0' is below 1s"),
        ("retention: 999ms", "backup.retention", 14, "'999ms' is below 1s"),
    ])
    func belowOneSecond(line: String, path: String, column: Int, message: String) {
        ExpectedDiagnostic(yaml: backupYAML(line), line: 5, column: column, path: path, message: message).check()
    }

    @Test("the replica may not lie inside the mount point: it must survive the volume")
    func replicaInsideTheMount() {
        ExpectedDiagnostic(yaml: backupYAML("replica:\n  path: /srv/demo/data/replica"), line: 6, column: 11, path: "backup.replica.path",
                           message: "/srv/demo/data/replica lies inside the mount point /srv/demo/data",
                           hint: "outside the JuiceFS mount").check()
    }

    @Test("the default replica is checked too: a mount point at <baseDir>/replica is refused, reported at mount.path")
    func defaultReplicaInsideTheMount() {
        ExpectedDiagnostic(yaml: SpecFixture.yaml("mount:\n  path: /srv/demo/replica\n"), line: 5, column: 9, path: "backup.replica.path",
                           message: "/srv/demo/replica lies inside the mount point /srv/demo/replica").check()
    }

    @Test("the replica may not be the database's own directory, nor contain the database", arguments: [
        (backupYAML("replica:\n  path: /srv/demo"), 6),
        (backupYAML("replica:\n  path: /srv"), 6),
        (SpecFixture.yaml("metadata:\n  url: sqlite3:///srv/demo/replica/meta.db\n"), 1),
        (SpecFixture.yaml("metadata:\n  url: sqlite3:///srv/demo/replica/meta.db\nbackup:\n  replica:\n    path: /srv/demo/replica\n"), 8),
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
        #expect(errors.map(\.path) == ["backup.replica.type", "backup.syncInterval", "backup.retention"])
    }

    // MARK: Across documents

    @Test("two volumes may not share a replica, nor nest one replica in the other", arguments: [
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
        try directory.write("3.yaml", "version: 1\nname: charlie\nbaseDir: /srv/c\nbackup:\n  enabled: false\n  replica:\n    path: /srv/a/replica\n")
        let result = SpecLoader().load(paths: [directory.path])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(result.specs.map { $0.backup?.replicaPath } == ["/srv/a/replica", "/srv/b/replica", nil])
    }
}
