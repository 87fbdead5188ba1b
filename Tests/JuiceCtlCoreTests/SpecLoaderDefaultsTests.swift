import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("SpecLoader defaults")
struct SpecLoaderDefaultsTests {
    @Test("a minimal spec gets every path from baseDir")
    func pathsFromBaseDir() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.name == "demo")
        #expect(spec.baseDir == "/srv/demo")
        #expect(spec.storage == .local(path: "/srv/demo/objects"))
        #expect(spec.storage.bucket == "/srv/demo/objects/")
        #expect(spec.storage.juicefsType == "file")
        #expect(spec.storage.uuidFilePath(volume: "demo") == "/srv/demo/objects/demo/juicefs_uuid")
        #expect(spec.metadata.sqlitePath == "/srv/demo/metadata.db")
        #expect(spec.mount.path == "/srv/demo/data")
        #expect(spec.mount.cacheDir == "/srv/demo/cache")
        #expect(spec.stateDir == "/srv/demo/.juicectl")
        #expect(spec.mountLogFile == "/srv/demo/logs/juicefs.log")
    }

    @Test("the default SQLite URL adds WAL mode and a busy timeout")
    func sqliteURL() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.metadata.url == "sqlite3:///srv/demo/metadata.db?_journal_mode=WAL&_busy_timeout=5000")
        #expect(spec.metadata.redactedURL == spec.metadata.url)
    }

    @Test("a declared SQLite URL keeps its own parameters and gains only the missing ones")
    func sqliteURLWithParameters() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                metadata:
                  url: sqlite3:///var/db/demo.db?_journal_mode=DELETE&cache=shared

                """))
        #expect(spec.metadata.url == "sqlite3:///var/db/demo.db?_journal_mode=DELETE&cache=shared&_busy_timeout=5000")
        #expect(spec.metadata.sqlitePath == "/var/db/demo.db")
    }

    @Test("format and mount settings default to JuiceFS's defaults with seven trash days")
    func formatAndMountDefaults() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.format == VolumeSpec.FormatSettings(blockSize: .mebibytes(4), compression: "none", trashDays: 7))
        #expect(spec.mount.cacheSize == .gibibytes(100))
        #expect(spec.mount.writeback == false)
        #expect(spec.mount.uploadDelay == .zero)
        #expect(spec.mount.options.isEmpty)
        #expect(spec.volumeDirectories == ["/active", "/active/fs", "/checkpoints"])
    }

    @Test("without a quotas key the volume gets 10TiB on /active/fs")
    func defaultQuota() throws {
        let spec = try SpecFixture.spec()
        #expect(spec.quotas == [VolumeSpec.Quota(path: "/active/fs", capacity: .tebibytes(10), inodes: nil)])
    }

    @Test("an empty quotas list means no quotas at all")
    func emptyQuotas() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("quotas: []\n"))
        #expect(spec.quotas.isEmpty)
    }

    @Test("declared quotas are kept in order with normalised paths")
    func declaredQuotas() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                quotas:
                  - path: /active/fs/
                    capacity: 1TiB
                  - path: //projects//a
                    inodes: 5000
                  - path: /scratch
                    capacity: 512MiB
                    inodes: 100

                """))
        #expect(
            spec.quotas == [
                .init(path: "/active/fs", capacity: .tebibytes(1), inodes: nil),
                .init(path: "/projects/a", capacity: nil, inodes: 5000),
                .init(path: "/scratch", capacity: .mebibytes(512), inodes: 100),
            ])
    }

    @Test("declared values replace the defaults and paths are normalised")
    func declaredValues() throws {
        let spec = try SpecFixture.spec(
            """
            version: 1
            name: big-vol
            baseDir: /var/lib/juicectl/big-vol/
            storage:
              type: local
              path: /data/objects//
            format:
              blockSize: 1MiB
              compression: zstd
              trashDays: 0
            mount:
              path: /mnt/big
              cacheDir: /var/cache/big
              cacheSize: 1.5GiB
              writeback: true
              uploadDelay: 1m30s

            """)
        #expect(spec.baseDir == "/var/lib/juicectl/big-vol")
        #expect(spec.storage == .local(path: "/data/objects"))
        #expect(spec.format == .init(blockSize: .mebibytes(1), compression: "zstd", trashDays: 0))
        #expect(spec.mount.path == "/mnt/big")
        #expect(spec.mount.cacheDir == "/var/cache/big")
        #expect(spec.mount.cacheSize == .mebibytes(1536))
        #expect(spec.mount.writeback)
        #expect(spec.mount.uploadDelay == TimeSpan.seconds(90))
        #expect(spec.metadata.sqlitePath == "/var/lib/juicectl/big-vol/metadata.db")
    }

    @Test("mount options keep their YAML type and are sorted by name")
    func mountOptions() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                mount:
                  options:
                    max-uploads: 20
                    heartbeat: 2s
                    enable-xattr: true
                    sort-dir: false
                    umask: 0022
                    o: allow_other

                """))
        #expect(
            spec.mount.options == [
                .init(name: "enable-xattr", value: "true", isBoolean: true),
                .init(name: "heartbeat", value: "2s", isBoolean: false),
                .init(name: "max-uploads", value: "20", isBoolean: false),
                .init(name: "o", value: "allow_other", isBoolean: false),
                .init(name: "sort-dir", value: "false", isBoolean: true),
                .init(name: "umask", value: "0022", isBoolean: false),
            ])
    }

    @Test("a fractional mount option value such as free-space-ratio: 0.2 is accepted as written")
    func fractionalMountOption() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                mount:
                  options:
                    free-space-ratio: 0.2

                """))
        #expect(spec.mount.options == [.init(name: "free-space-ratio", value: "0.2", isBoolean: false)])
    }

    @Test("origin records file, document index and where the document starts")
    func origin() throws {
        let spec = try SpecFixture.spec(file: "volumes/demo.yaml")
        #expect(spec.origin.file == "volumes/demo.yaml")
        #expect(spec.origin.document == 0)
        #expect(spec.origin.location == JuiceCtlCore.SourceLocation(file: "volumes/demo.yaml", line: 1, column: 1))
        #expect(spec.origin.revision.count == 16)
        #expect(spec.origin.revision.allSatisfy { $0.isHexDigit })
    }

    @Test("spelling every default out gives the same volume as leaving it out")
    func spelledOutDefaults() throws {
        let minimal = try SpecFixture.spec()
        let spelled = try SpecFixture.spec(
            """
            version: 1
            name: demo
            baseDir: /srv/demo
            storage: {type: local, path: /srv/demo/objects}
            metadata: {url: "sqlite3:///srv/demo/metadata.db"}
            format: {blockSize: 4MiB, compression: none, trashDays: 7}
            mount:
              path: /srv/demo/data
              cacheDir: /srv/demo/cache
              cacheSize: 100GiB
              writeback: false
              uploadDelay: 0s
              options: {}
            quotas:
              - {path: /active/fs, capacity: 10TiB}

            """)
        #expect(spelled == minimal)
    }
}
