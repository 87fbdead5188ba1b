import Foundation
import JuiceCtlCore
import JuiceCtlDaemon
import Testing

@Suite("Spec set")
struct SpecSetTests {
    /// A spec directory under `base` with `alpha.yaml` and `beta.yaml`, each declaring its volume.
    static func specDirectory(_ base: String) throws -> String {
        let directory = "\(base)/specs"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DaemonSpec.write("\(directory)/alpha.yaml", name: "alpha", baseDir: "\(base)/alpha")
        try DaemonSpec.write("\(directory)/beta.yaml", name: "beta", baseDir: "\(base)/beta")
        return directory
    }

    @Test func theFirstLoadTakesEveryVolume() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()

            let reload = set.reload(paths: [directory])

            #expect(reload.specs.map(\.name) == ["alpha", "beta"])
            #expect(reload.specs.map(\.origin.file) == ["\(directory)/alpha.yaml", "\(directory)/beta.yaml"])
            #expect(reload.rejected.isEmpty)
            #expect(reload.removed.isEmpty)
            #expect(!reload.diagnostics.hasErrors)
            #expect(set.specs.keys.sorted() == ["alpha", "beta"])
        }
    }

    @Test func anEditedValidFileReplacesItsSpec() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()
            let first = set.reload(paths: [directory])
            let before = try #require(first.specs.first { $0.name == "alpha" })

            try DaemonSpec.write("\(directory)/alpha.yaml", name: "alpha", baseDir: "\(base)/alpha", "mount:\n  cacheSize: 2GiB\n")
            let reload = set.reload(paths: [directory])

            let after = try #require(reload.specs.first { $0.name == "alpha" })
            #expect(after.origin.revision != before.origin.revision)
            #expect(after.mount.cacheSize == ByteSize.gibibytes(2))
            #expect(set.specs["alpha"] == after)
            #expect(
                reload.specs.first { $0.name == "beta" } == first.specs.first { $0.name == "beta" }, "the other file's spec is unchanged")
            #expect(reload.rejected.isEmpty)
            #expect(reload.removed.isEmpty)
        }
    }

    @Test(arguments: [
        "mount:\n  cacheSize: lots\n", // a bad value
        "mount:\n  cacheSize: [1GiB\n", // not YAML
        "quotas:\n  - path: relative\n    capacity: 1GiB\n",
    ])
    func aFileMadeInvalidKeepsItsVolumesOnTheLastGoodSpec(extra: String) async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            let file = "\(directory)/alpha.yaml"
            var set = SpecSet()
            let good = try #require(set.reload(paths: [directory]).specs.first { $0.name == "alpha" })

            try DaemonSpec.write(file, name: "alpha", baseDir: "\(base)/alpha", extra)
            let reload = set.reload(paths: [directory])

            #expect(reload.specs.map(\.name) == ["alpha", "beta"], "the volume stays")
            #expect(reload.specs.first { $0.name == "alpha" } == good, "on its last good spec")
            #expect(set.specs["alpha"] == good)
            #expect(reload.removed.isEmpty)
            #expect(reload.rejected.keys.sorted() == ["alpha"])
            let messages = try #require(reload.rejected["alpha"])
            #expect(!messages.isEmpty)
            #expect(messages == reload.diagnostics.errors.map(\.description))
            for message in messages {
                #expect(
                    message.range(of: "^\(file):[0-9]+:[0-9]+: error: ", options: .regularExpression) != nil,
                    "names the file, line and column: \(message)")
            }
        }
    }

    @Test func aRejectedFileThatIsFixedAgainTakesTheNewSpec() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            let file = "\(directory)/alpha.yaml"
            var set = SpecSet()
            _ = set.reload(paths: [directory])
            try DaemonSpec.write(file, name: "alpha", baseDir: "\(base)/alpha", "mount:\n  cacheSize: lots\n")
            _ = set.reload(paths: [directory])

            try DaemonSpec.write(file, name: "alpha", baseDir: "\(base)/alpha", "mount:\n  cacheSize: 3GiB\n")
            let reload = set.reload(paths: [directory])

            #expect(reload.rejected.isEmpty)
            #expect(set.specs["alpha"]?.mount.cacheSize == ByteSize.gibibytes(3))
        }
    }

    @Test func aDeletedFileNamedExplicitlyKeepsItsSpecsAsAnError() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            let alpha = "\(directory)/alpha.yaml"
            let beta = "\(directory)/beta.yaml"
            var set = SpecSet()
            let good = try #require(set.reload(paths: [alpha, beta]).specs.first { $0.name == "alpha" })

            try FileManager.default.removeItem(atPath: alpha)
            let reload = set.reload(paths: [alpha, beta])

            #expect(reload.specs.map(\.name) == ["alpha", "beta"])
            #expect(set.specs["alpha"] == good)
            #expect(reload.removed.isEmpty)
            #expect(reload.rejected["alpha"] == ["\(alpha):1:1: error: no such file or directory"])
            #expect(reload.rejected["beta"] == nil)
        }
    }

    @Test func aFileRemovedFromADirectoryRemovesItsVolumes() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()
            _ = set.reload(paths: [directory])

            try FileManager.default.removeItem(atPath: "\(directory)/alpha.yaml")
            let reload = set.reload(paths: [directory])

            #expect(reload.removed == ["alpha"])
            #expect(reload.specs.map(\.name) == ["beta"])
            #expect(reload.rejected.isEmpty)
            #expect(set.specs["alpha"] == nil)
        }
    }

    @Test func anEmptiedDirectoryKeepsItsVolumesAsAnError() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()
            _ = set.reload(paths: [directory])

            try FileManager.default.removeItem(atPath: "\(directory)/alpha.yaml")
            try FileManager.default.removeItem(atPath: "\(directory)/beta.yaml")
            let reload = set.reload(paths: [directory])

            #expect(reload.removed.isEmpty, "a directory with no spec left reads as a mistake, not as 'stop managing everything'")
            #expect(reload.specs.map(\.name) == ["alpha", "beta"])
            #expect(reload.rejected["alpha"]?.first?.contains("no *.yaml or *.yml files in this directory") == true)
        }
    }

    @Test func aNewFileAddsItsVolumes() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()
            _ = set.reload(paths: [directory])

            try
                (DaemonSpec.text(name: "gamma", baseDir: "\(base)/gamma") + "---\n"
                + DaemonSpec.text(name: "delta", baseDir: "\(base)/delta"))
                .write(toFile: "\(directory)/more.yml", atomically: true, encoding: .utf8)
            let reload = set.reload(paths: [directory])

            #expect(reload.specs.map(\.name) == ["alpha", "beta", "delta", "gamma"])
            #expect(reload.specs.first { $0.name == "gamma" }?.origin.file == "\(directory)/more.yml")
            #expect(reload.removed.isEmpty)
            #expect(reload.rejected.isEmpty)
            #expect(set.specs.count == 4)
        }
    }

    @Test func aNewInvalidFileAddsNothingAndKeepsTheOthers() async throws {
        try await withTemporaryDirectory { base in
            let directory = try Self.specDirectory(base)
            var set = SpecSet()
            _ = set.reload(paths: [directory])

            try "version: 1\nname: Bad_Name\nbaseDir: \"\(base)/bad\"\n".write(
                toFile: "\(directory)/bad.yaml", atomically: true, encoding: .utf8)
            let reload = set.reload(paths: [directory])

            #expect(reload.specs.map(\.name) == ["alpha", "beta"])
            #expect(reload.rejected.isEmpty, "no running volume came from that file")
            #expect(reload.removed.isEmpty)
            #expect(reload.diagnostics.errors.contains { $0.location.file == "\(directory)/bad.yaml" })
        }
    }
}
