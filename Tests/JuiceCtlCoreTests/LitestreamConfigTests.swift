import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Litestream configuration")
struct LitestreamConfigTests {
    @Test("the default spec replicates its one database to its own replica, with the control socket in the state directory")
    func defaultText() throws {
        let text = try #require(LitestreamConfig.text(for: try SpecFixture.spec()))
        #expect(
            text == """
                # Written by juicectl for volume demo; changes are overwritten.
                logging:
                  level: info
                socket:
                  enabled: true
                  path: "/srv/demo/.juicectl/litestream.sock"
                snapshot:
                  interval: 1h
                  retention: 24h
                dbs:
                  - path: "/srv/demo/metadata.db"
                    replica:
                      type: file
                      path: "/srv/demo/replica"
                      sync-interval: 1s

                """)
    }

    @Test("the spec's replica, intervals and database are what the configuration says, and nothing else is replicated")
    func customSettings() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                metadata:
                  url: sqlite3:///var/lib/demo/meta.db?_busy_timeout=9000
                backup:
                  replica:
                    path: /backups/demo
                  syncInterval: 250s
                  snapshotInterval: 6h
                  retention: 168h

                """))
        let text = try #require(LitestreamConfig.text(for: spec))
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(
            lines.filter { $0.hasPrefix("- path:") } == ["- path: \"/var/lib/demo/meta.db\""],
            "one database, named by its file, not its URL")
        #expect(lines.filter { $0.hasPrefix("path:") } == ["path: \"/srv/demo/.juicectl/litestream.sock\"", "path: \"/backups/demo\""])
        #expect(lines.contains("sync-interval: 4m10s"))
        #expect(lines.contains("interval: 6h"))
        #expect(lines.contains("retention: 168h"))
        #expect(lines.filter { $0.hasPrefix("replica:") }.count == 1)
        #expect(!text.contains("_busy_timeout"))
    }

    @Test("two volumes get two configurations with two replica locations and two sockets")
    func ownReplicaPerVolume() throws {
        let alpha = try #require(LitestreamConfig.text(for: try SpecFixture.spec("version: 1\nname: alpha\nbaseDir: /srv/alpha\n")))
        let bravo = try #require(LitestreamConfig.text(for: try SpecFixture.spec("version: 1\nname: bravo\nbaseDir: /srv/bravo\n")))
        #expect(alpha.contains("path: \"/srv/alpha/replica\"") && alpha.contains("path: \"/srv/alpha/.juicectl/litestream.sock\""))
        #expect(bravo.contains("path: \"/srv/bravo/replica\"") && bravo.contains("path: \"/srv/bravo/.juicectl/litestream.sock\""))
        #expect(!alpha.contains("/srv/bravo") && !bravo.contains("/srv/alpha"))
    }

    @Test("quotes and backslashes in a path are escaped in YAML's double-quoted style")
    func quoting() throws {
        let spec = try SpecFixture.spec("version: 1\nname: demo\nbaseDir: '/srv/my \"demo\" \\ x'\n")
        let text = try #require(LitestreamConfig.text(for: spec))
        #expect(text.contains(#"  - path: "/srv/my \"demo\" \\ x/metadata.db""#), "\(text)")
        #expect(text.contains(#"      path: "/srv/my \"demo\" \\ x/replica""#))
    }

    @Test("a volume without a backup has no configuration")
    func noBackup() throws {
        #expect(LitestreamConfig.text(for: try SpecFixture.spec(SpecFixture.yaml("backup:\n  enabled: false\n"))) == nil)
    }

    @Test("the digest is FNV-1a 64 in hexadecimal: the same in every process, unlike Swift's seeded hashing")
    func digestIsFixed() {
        #expect(LitestreamConfig.digest("") == "cbf29ce484222325")
        #expect(LitestreamConfig.digest("a") == "af63dc4c8601ec8c")
        #expect(LitestreamConfig.digest("foobar") == "85944171f73967e8")
    }

    @Test("the same settings from another file or document give the same text and digest; another setting another digest")
    func digestFollowsTheSettingsOnly() throws {
        let spec = try SpecFixture.spec()
        let text = try #require(LitestreamConfig.text(for: spec))
        let elsewhere = try #require(
            LitestreamConfig.text(for: try SpecFixture.spec("# moved\n" + SpecFixture.minimalYAML, file: "other.yaml")))
        #expect(elsewhere == text)
        #expect(LitestreamConfig.digest(elsewhere) == LitestreamConfig.digest(text))
        let slower = try #require(LitestreamConfig.text(for: try SpecFixture.spec(SpecFixture.yaml("backup:\n  syncInterval: 2s\n"))))
        #expect(LitestreamConfig.digest(slower) != LitestreamConfig.digest(text))
    }
}
