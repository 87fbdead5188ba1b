import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("Spec files read through the host")
struct SpecLoaderHostFilesTests {
    static func spec(_ name: String) -> String {
        "version: 1\nname: \(name)\nbaseDir: /srv/\(name)\n"
    }

    @Test func aDirectoryOfSpecsIsReadThroughTheHostInNameOrderSkippingHiddenAndOtherFiles() {
        let host = FakeHost()
        host.setFile("/specs/b.yaml", text: Self.spec("beta"))
        host.setFile("/specs/a.yml", text: Self.spec("alpha"))
        host.setFile("/specs/.hidden.yaml", text: Self.spec("hidden"))
        host.setFile("/specs/notes.txt", text: "not a spec")
        let result = SpecLoader(files: host).load(paths: ["/specs"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(result.files == ["/specs/a.yml", "/specs/b.yaml"])
        #expect(result.specs.map(\.name) == ["alpha", "beta"])
    }

    @Test func aMissingPathIsNamedAndAFileOverTheLimitIsRefusedWithItsSize() {
        let host = FakeHost()
        host.setFile("/specs/huge.yaml", Data(count: SpecLoader.maxFileSize + 10))
        let result = SpecLoader(files: host).load(paths: ["/specs/huge.yaml", "/nowhere.yaml"])
        #expect(result.specs.isEmpty)
        #expect(
            result.diagnostics.map(\.message) == [
                "no such file or directory",
                "the file is \(SpecLoader.maxFileSize + 10) bytes, above the \(SpecLoader.maxFileSize)-byte limit for specs",
            ])
    }
}
