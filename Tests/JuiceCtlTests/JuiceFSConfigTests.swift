import Foundation
import JuiceCtlCore
import Testing

@testable import JuiceCtl

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
        let config = JuiceFS.Config(
            baseDir: "/srv/sprite", volumeName: "sprite-juicefs", overlayEnabled: true,
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
        let config = JuiceFS.Config(
            baseDir: "/srv/a \"quoted\" dir", volumeName: "vol-1",
            quotas: [.init(path: "/active/fs", capacity: .gibibytes(1), inodes: 10)])
        let (specs, diagnostics) = SpecLoader().load(text: JuiceFS.document(for: config), file: "config")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(specs.first?.baseDir == "/srv/a \"quoted\" dir")
        #expect(specs.first?.quotas == [.init(path: "/active/fs", capacity: .gibibytes(1), inodes: 10)])
    }

    @Test func s3ModeBecomesS3StorageAndAnS3ReplicaWithKeysByReference() throws {
        var config = JuiceFS.Config(baseDir: "/var/lib/juicefs", localMode: false, volumeName: "my-volume")
        config.s3EndpointURL = "http://127.0.0.1:9000/"
        config.s3Bucket = "sprites"
        config.s3SecretAccessKey = .file("/etc/juicectl/s3-secret")
        let (specs, diagnostics) = SpecLoader().load(text: JuiceFS.document(for: config), file: "config")
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let spec = try #require(specs.first)
        #expect(
            spec.storage
                == .s3(
                    bucket: "http://127.0.0.1:9000/sprites", accessKey: .env("SPRITE_S3_ACCESS_KEY"),
                    secretKey: .file("/etc/juicectl/s3-secret")))
        #expect(
            spec.backup?.replica
                == .s3(
                    .init(
                        bucket: "http://127.0.0.1:9000/sprites", prefix: "juicefs-metadata/my-volume",
                        accessKey: .env("SPRITE_S3_ACCESS_KEY"), secretKey: .file("/etc/juicectl/s3-secret"))))
    }

    @Test func s3ModeWithoutEndpointOrBucketFailsNamingWhatIsMissing() {
        let error = #expect(throws: JuiceFS.Failure.self) {
            _ = try JuiceFS(config: .init(baseDir: "/var/lib/juicefs", localMode: false))
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("S3 configuration is incomplete") && text.contains("s3EndpointURL and s3Bucket"), "\(text)")
    }
}
