import Foundation
import Testing

@testable import JuiceCtlCore

/// `overlay:` under the minimal spec (volume `demo`, mounted at /srv/demo/data), the section starting on line 4.
private func overlayYAML(_ body: String) -> String {
    SpecFixture.yaml(
        "overlay:\n"
            + body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "  \($0)" }.joined(separator: "\n") + "\n")
}

@Suite("SpecLoader overlay")
struct SpecLoaderOverlayTests {
    @Test("without an overlay section the spec has no overlay")
    func absent() throws {
        #expect(try SpecFixture.spec().overlay == nil)
    }

    @Test("an overlay with only lowerDirs gets every default: 100GiB, /mnt/newroot, <mount>/root-upper, stop, no options")
    func defaults() throws {
        let spec = try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/system-base]"))
        let overlay = try #require(spec.overlay, "a present section without enabled is enabled")
        #expect(overlay.imageSize == .gibibytes(100))
        #expect(overlay.lowerDirs == ["/srv/system-base"])
        #expect(overlay.target == "/mnt/newroot")
        #expect(overlay.upperMount == "/srv/demo/data/root-upper")
        #expect(overlay.mountOptions.isEmpty)
        #expect(overlay.onCorrupt == .stop)
        #expect(overlay == VolumeSpec.OverlaySettings(lowerDirs: ["/srv/system-base"], upperMount: "/srv/demo/data/root-upper"))
    }

    @Test("the upper mount point follows mount.path")
    func upperMountFollowsTheMountPath() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("mount:\n  path: /mnt/volumes/demo\noverlay:\n  lowerDirs: [/srv/base]\n"))
        #expect(spec.overlay?.upperMount == "/mnt/volumes/demo/root-upper")
    }

    @Test("every key is read as written; paths are normalised")
    func everyKey() throws {
        let spec = try SpecFixture.spec(
            overlayYAML(
                """
                enabled: true
                imageSize: 20GiB
                lowerDirs:
                  - /srv/layers/app/
                  - /srv//layers/base
                target: /mnt/container-root
                upperMount: /var/lib/demo-upper
                mountOptions: [index=off, redirect_dir=on]
                onCorrupt: recreate
                """))
        let overlay = try #require(spec.overlay)
        #expect(overlay.imageSize == .gibibytes(20))
        #expect(overlay.lowerDirs == ["/srv/layers/app", "/srv/layers/base"])
        #expect(overlay.target == "/mnt/container-root")
        #expect(overlay.upperMount == "/var/lib/demo-upper")
        #expect(overlay.mountOptions == ["index=off", "redirect_dir=on"])
        #expect(overlay.onCorrupt == .recreate)
    }

    @Test("enabled: true is the same as leaving enabled out")
    func enabledTrue() throws {
        let explicit = try SpecFixture.spec(overlayYAML("enabled: true\nlowerDirs: [/srv/base]"))
        let implicit = try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/base]"))
        #expect(explicit.overlay != nil)
        #expect(explicit.overlay == implicit.overlay)
    }

    @Test("enabled: false gives no overlay, and is the same spec as one without the section")
    func disabled() throws {
        let spec = try SpecFixture.spec(overlayYAML("enabled: false\nlowerDirs: [/srv/base]\nimageSize: 1GiB"))
        #expect(spec.overlay == nil)
        #expect(spec.origin.revision == (try SpecFixture.spec()).origin.revision)
    }

    @Test("a disabled overlay is not checked across keys: its target may lie anywhere")
    func disabledIsNotCrossChecked() throws {
        let spec = try SpecFixture.spec(overlayYAML("enabled: false\nlowerDirs: [/srv/base]\ntarget: /srv/demo/data/root"))
        #expect(spec.overlay == nil)
    }

    @Test("the overlay is part of the spec's revision")
    func revision() throws {
        let one = try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/base]")).origin.revision
        let other = try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/other]")).origin.revision
        #expect(one != (try SpecFixture.spec()).origin.revision)
        #expect(one != other)
    }

    // MARK: Rules across keys

    @Test(
        "each rule across keys is an error at the offending key's line and column",
        arguments: [
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\ntarget: /srv/demo/data/newroot"), line: 6, column: 11,
                path: "overlay.target", message: "the overlay target /srv/demo/data/newroot lies inside the JuiceFS mount /srv/demo/data",
                hint: "mount the overlay outside the volume"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\ntarget: /srv/demo/data"), line: 6, column: 11,
                path: "overlay.target", message: "lies inside the JuiceFS mount /srv/demo/data"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\ntarget: /"), line: 6, column: 11,
                path: "overlay.target", message: "the overlay target must not be /"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /mnt/upper\ntarget: /srv/demo"), line: 7, column: 11,
                path: "overlay.target", message: "the overlay target /srv/demo contains the JuiceFS mount /srv/demo/data"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\ntarget: /mnt/o\nupperMount: /mnt/o/upper"), line: 6, column: 11,
                path: "overlay.target", message: "the overlay target and the image mount point /mnt/o/upper must not contain each other"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /mnt/upper\ntarget: /mnt/upper/root"), line: 7, column: 11,
                path: "overlay.target", message: "the overlay target and the image mount point /mnt/upper must not contain each other"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/app, /srv/base]\ntarget: /srv/base/root"), line: 6, column: 11,
                path: "overlay.target", message: "the overlay target and the lower directory /srv/base must not contain each other"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/mnt/root/base]\ntarget: /mnt/root"), line: 6, column: 11,
                path: "overlay.target", message: "the overlay target and the lower directory /mnt/root/base must not contain each other"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /srv/demo/data"), line: 6, column: 15,
                path: "overlay.upperMount", message: "the image mount point must not be the JuiceFS mount itself",
                hint: "the default is <mount.path>/root-upper"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /srv/demo"), line: 6, column: 15,
                path: "overlay.upperMount", message: "the image mount point must not be the JuiceFS mount itself, contain it"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /srv/demo/data/active"), line: 6, column: 15,
                path: "overlay.upperMount", message: "nor lie under active/ or checkpoints/"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /srv/demo/data/active/upper"), line: 6, column: 15,
                path: "overlay.upperMount", message: "nor lie under active/ or checkpoints/"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nupperMount: /srv/demo/data/checkpoints/upper"), line: 6, column: 15,
                path: "overlay.upperMount", message: "nor lie under active/ or checkpoints/"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nimageSize: 63MiB"), line: 6, column: 14,
                path: "overlay.imageSize", message: "the image must be at least 64MiB to hold an ext4 filesystem"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nmountOptions: [index=off, lowerdir=/srv/x]"), line: 6, column: 29,
                path: "overlay.mountOptions", message: "'lowerdir' is set by juicectl from lowerDirs and upperMount"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nmountOptions:\n  - upperdir=/tmp/u"), line: 7, column: 7,
                path: "overlay.mountOptions", message: "'upperdir' is set by juicectl"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nmountOptions: [workdir]"), line: 6, column: 18,
                path: "overlay.mountOptions", message: "'workdir' is set by juicectl"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/../base]"), line: 5, column: 15,
                path: "overlay.lowerDirs[0]", message: "'/srv/../base' has '.' or '..' components"),
        ])
    func crossKeyError(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("the default target is checked too: a mount point above /mnt/newroot is an error at the overlay section")
    func defaultTargetIsChecked() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("mount:\n  path: /mnt\noverlay:\n  lowerDirs: [/srv/base]\n"), line: 7, column: 3,
            path: "overlay.target", message: "the overlay target /mnt/newroot lies inside the JuiceFS mount /mnt"
        ).check()
    }

    @Test("every broken rule is reported, not only the first")
    func everyErrorIsReported() {
        let errors = SpecFixture.errors(
            overlayYAML(
                """
                lowerDirs: [/srv/base]
                target: /srv/demo/data/root
                upperMount: /srv/demo/data/active/upper
                imageSize: 1MiB
                mountOptions: [workdir=/w]
                """))
        #expect(
            Set(errors.map(\.path)) == ["overlay.target", "overlay.upperMount", "overlay.imageSize", "overlay.mountOptions"], "\(errors)")
    }

    @Test(
        "the mount options juicectl sets are refused, other options with the same prefix are not",
        arguments: [
            "lowerdirs=x", "workdirs", "index=off", "metacopy=on", "userxattr",
        ])
    func optionsThatOnlyLookLikeJuiceCtls(option: String) throws {
        let spec = try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/base]\nmountOptions: [\"\(option)\"]"))
        #expect(spec.overlay?.mountOptions == [option])
    }

    @Test("64MiB is the smallest image")
    func smallestImage() throws {
        #expect(try SpecFixture.spec(overlayYAML("lowerDirs: [/srv/base]\nimageSize: 64MiB")).overlay?.imageSize == .mebibytes(64))
    }

    // MARK: Schema errors

    @Test(
        "the schema's rules on the overlay section are errors with line, column and path",
        arguments: [
            ExpectedDiagnostic(
                yaml: overlayYAML("target: /mnt/newroot"), line: 5, column: 3, path: "overlay",
                message: "missing required key 'lowerDirs'"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: /srv/base"), line: 5, column: 14, path: "overlay.lowerDirs",
                message: "expected a list"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: []"), line: 5, column: 14, path: "overlay.lowerDirs",
                message: "at least 1"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nimageSize: 10"), line: 6, column: 14, path: "overlay.imageSize",
                message: "expected"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nonCorrupt: delete"), line: 6, column: 14, path: "overlay.onCorrupt",
                message: "delete"),
            ExpectedDiagnostic(
                yaml: overlayYAML("lowerDirs: [/srv/base]\nlowerDir: /srv/x"), line: 6, column: 3, path: "overlay.lowerDir",
                message: "unknown key 'lowerDir'", hint: "did you mean 'lowerDirs'?"),
        ])
    func schemaError(expected: ExpectedDiagnostic) {
        expected.check()
    }

    // MARK: Quota warning

    @Test("a quota above /active/root-upper.img draws a warning naming the image's size", arguments: ["/active", "/active/root-upper.img"])
    func quotaOverTheImage(path: String) throws {
        let text = SpecFixture.yaml(
            "quotas:\n  - path: \(path)\n    capacity: 1TiB\noverlay:\n  lowerDirs: [/srv/base]\n  imageSize: 5GiB\n")
        let result = SpecLoader().load(text: text, file: "spec.yaml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let warning = try #require(result.diagnostics.warnings.first)
        #expect(result.diagnostics.warnings.count == 1)
        #expect(warning.path == "overlay")
        #expect(warning.location == JuiceCtlCore.SourceLocation(file: "spec.yaml", line: 8, column: 3))
        #expect(warning.message == "the quota on \(path) counts the sparse image /active/root-upper.img at its full size (5GiB)")
        #expect(warning.hint == "keep quotas below the image, e.g. on /active/fs")
        #expect(result.specs.first?.overlay != nil)
    }

    @Test("the default quota on /active/fs and quotas elsewhere draw no warning")
    func quotaBesideTheImage() {
        for text in [
            overlayYAML("lowerDirs: [/srv/base]"),
            SpecFixture.yaml("quotas:\n  - path: /checkpoints\n    capacity: 1TiB\noverlay:\n  lowerDirs: [/srv/base]\n"),
        ] {
            let result = SpecLoader().load(text: text, file: "spec.yaml")
            #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        }
    }

    // MARK: OverlaySettings

    @Test("overlayOptions: lowerdir joins the lower directories top first, then upperdir and workdir in the image, then the extras")
    func overlayOptions() {
        let settings = VolumeSpec.OverlaySettings(
            lowerDirs: ["/srv/app", "/srv/base"], upperMount: "/data/root-upper",
            mountOptions: ["index=off", "redirect_dir=on"])
        #expect(settings.upperDir == "/data/root-upper/upper")
        #expect(settings.workDir == "/data/root-upper/work")
        #expect(
            settings.overlayOptions
                == "lowerdir=/srv/app:/srv/base,upperdir=/data/root-upper/upper,workdir=/data/root-upper/work,index=off,redirect_dir=on")
    }

    @Test("overlayOptions with one lower directory and no extras has exactly juicectl's three options")
    func overlayOptionsMinimal() {
        let settings = VolumeSpec.OverlaySettings(lowerDirs: ["/srv/base"], upperMount: "/u")
        #expect(settings.overlayOptions == "lowerdir=/srv/base,upperdir=/u/upper,workdir=/u/work")
    }

    @Test("the image lives at /active/root-upper.img and the freeze marker in juicectl's state directory")
    func paths() throws {
        #expect(VolumeSpec.OverlaySettings.imagePath == "/active/root-upper.img")
        let spec = try SpecFixture.spec()
        #expect(spec.frozenMarkerFile == "\(spec.stateDir)/overlay-frozen")
    }
}
