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
