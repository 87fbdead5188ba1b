import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// The original's API (`JuiceFS(config:)`, `start()`, `stop()`) over the reconciler.
@Suite("Library API (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct LibraryAPITests {
    @Test("start brings a volume up like apply, a second start does nothing, stop unmounts it")
    func startAndStop() async throws {
        try Prerequisites.require()
        let root = "/tmp/juicectl-it/library"
        try? FileManager.default.removeItem(atPath: root)
        let volume = try JuiceFS(config: .init(baseDir: "\(root)/base", volumeName: "library-vol", juicefsPath: Prerequisites.juicefs))
        do {
            let first = try await volume.start()
            #expect(first.results.contains { $0.action.kind == .format })
            #expect(FileManager.default.fileExists(atPath: "\(root)/base/data/active/fs"))
            #expect(await volume.status().isReady)
            let second = try await volume.start()
            #expect(second.results.isEmpty)
            try await volume.stop()
            #expect(!((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").contains("\(root)/base/data"))
        } catch {
            _ = try? await volume.stop()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test(
        """
        S3 mode (localMode false): objects in S3 and the metadata replicated to the same bucket; a new machine with the same config \
        gets the volume back
        """
    )
    func s3Mode() async throws {
        try Prerequisites.require()
        let root = "/tmp/juicectl-it/library-s3"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let gateway = try S3Gateway()
        try await gateway.start()
        func config(_ base: String) -> JuiceFS.Config {
            var config = JuiceFS.Config(baseDir: base, localMode: false, volumeName: "library-s3", juicefsPath: Prerequisites.juicefs)
            config.s3EndpointURL = gateway.endpoint
            config.s3Bucket = "sprites"
            config.s3AccessKey = .file("\(root)/access-key")
            config.s3SecretAccessKey = .file("\(root)/secret-key")
            return config
        }
        var volumes: [JuiceFS] = []
        do {
            try gateway.accessKey.write(toFile: "\(root)/access-key", atomically: true, encoding: .utf8)
            try gateway.secretKey.write(toFile: "\(root)/secret-key", atomically: true, encoding: .utf8)
            try await gateway.makeBucket("sprites")
            let first = try JuiceFS(config: config("\(root)/machine-a"))
            volumes.append(first)
            try await first.start()
            try "kept\n".write(toFile: "\(root)/machine-a/data/active/fs/file.txt", atomically: false, encoding: .utf8)
            try await first.checkpoint("one")
            // Until the replica holds the checkpoint: status reads the S3 replica's position.
            var replicated = false
            for _ in 0..<100 where !replicated {
                let backup = await first.status().observation.backup
                replicated = (backup?.replicaTXID ?? 0) >= (backup?.localTXID ?? .max)
                if !replicated { try await Task.sleep(for: .milliseconds(300)) }
            }
            #expect(replicated, "the S3 replica did not catch up")
            try await first.stop()

            // Another machine (another baseDir, nothing local) with the same configuration.
            let second = try JuiceFS(config: config("\(root)/machine-b"))
            volumes.append(second)
            let report = try await second.start()
            #expect(report.results.contains { $0.action.kind == .restoreMetadata }, "\(report.results.map(\.action.kind))")
            #expect(!report.results.contains { $0.action.kind == .format })
            #expect(try String(contentsOfFile: "\(root)/machine-b/data/active/fs/file.txt", encoding: .utf8) == "kept\n")
            #expect(try await second.checkpoints().map(\.name).contains("one"))
            try await second.stop()
        } catch {
            for volume in volumes { _ = try? await volume.stop() }
            await gateway.stop()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        await gateway.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test("an invalid configuration is rejected before anything runs")
    func invalidConfigIsRejected() throws {
        #expect(throws: JuiceFS.Failure.self) {
            _ = try JuiceFS(config: .init(baseDir: "relative/dir", volumeName: "x"))
        }
        #expect(throws: JuiceFS.Failure.self) {
            _ = try JuiceFS(config: .init(baseDir: "/tmp/x", localMode: false))
        }
    }
}
