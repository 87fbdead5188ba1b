import Foundation
@testable import JuiceCtl
import JuiceCtlCore
import Testing

/// The library's configuration becomes a spec document that takes the same path as a spec file.
@Suite("JuiceFS configuration")
struct JuiceFSConfigTests {
    @Test func theOriginalsDefaultsBecomeTheQuickstartSpec() throws {
        let text = JuiceFS.document(for: .init(baseDir: "/var/lib/juicefs"))
        let (specs, diagnostics) = SpecLoader().load(text: text, file: "config")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let spec = try #require(specs.first)
        #expect(spec.name == "juicefs")
        #expect(spec.quotas == [.original])
        #expect(spec.overlay == nil)
    }

    @Test func overlayFieldsBecomeTheOverlaySection() throws {
        let config = JuiceFS.Config(baseDir: "/srv/sprite", volumeName: "sprite-juicefs", overlayEnabled: true,
                                    overlayImageSize: .gibibytes(20), overlayLowerPaths: ["/mnt/app-image", "/mnt/system-base"],
                                    overlayTargetPath: "/mnt/newroot")
        let (specs, diagnostics) = SpecLoader().load(text: JuiceFS.document(for: config), file: "config")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let overlay = try #require(specs.first?.overlay)
        #expect(overlay.imageSize == .gibibytes(20))
        #expect(overlay.lowerDirs == ["/mnt/app-image", "/mnt/system-base"])
        #expect(overlay.target == "/mnt/newroot")
        #expect(overlay.upperMount == "/srv/sprite/data/root-upper")
    }

    @Test func anOverlayTargetInsideTheMountIsRejectedLikeInASpecFile() {
        let config = JuiceFS.Config(baseDir: "/srv/sprite", overlayEnabled: true, overlayTargetPath: "/srv/sprite/data/newroot")
        #expect(throws: JuiceFS.Failure.self) { _ = try JuiceFS(config: config) }
    }

    @Test func quotasAndNamesWithQuotesSurviveTheDocument() throws {
        let config = JuiceFS.Config(baseDir: "/srv/a \"quoted\" dir", volumeName: "vol-1",
                                    quotas: [.init(path: "/active/fs", capacity: .gibibytes(1), inodes: 10)])
        let (specs, diagnostics) = SpecLoader().load(text: JuiceFS.document(for: config), file: "config")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(specs.first?.baseDir == "/srv/a \"quoted\" dir")
        #expect(specs.first?.quotas == [.init(path: "/active/fs", capacity: .gibibytes(1), inodes: 10)])
    }
}
