import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("SpecLoader files and directories")
struct SpecLoaderFileTests {
    static func volume(_ name: String, baseDir: String? = nil, mountPath: String? = nil) -> String {
        var text = "version: 1\nname: \(name)\nbaseDir: \(baseDir ?? "/srv/\(name)")\n"
        if let mountPath { text += "mount:\n  path: \(mountPath)\n" }
        return text
    }

    @Test("a file is read with its documents and named in the result")
    func readsFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("a.yaml", Self.volume("alpha") + "---\n" + Self.volume("beta"))
        let result = SpecLoader().load(paths: [file])
        #expect(result.diagnostics.isEmpty)
        #expect(result.files == [file])
        #expect(result.specs.map(\.name) == ["alpha", "beta"])
        #expect(result.specs.allSatisfy { $0.origin.file == file })
    }

    @Test("a directory expands to its *.yaml and *.yml files in name order, skipping hidden files and subdirectories")
    func expandsDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("b.yml", Self.volume("bravo"))
        try directory.write("a.yaml", Self.volume("alpha"))
        try directory.write("notes.txt", "not a spec")
        try directory.write(".hidden.yaml", "this: is not read")
        try directory.write("sub/c.yaml", Self.volume("charlie"))
        let result = SpecLoader().load(paths: [directory.path + "/"])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.files == ["\(directory.path)/a.yaml", "\(directory.path)/b.yml"])
        #expect(result.specs.map(\.name) == ["alpha", "bravo"])
    }

    @Test("a file named twice, directly and through its directory, is read once")
    func fileNamedTwice() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("a.yaml", Self.volume("alpha"))
        let result = SpecLoader().load(paths: [directory.path, file, file])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.files == [file])
        #expect(result.specs.map(\.name) == ["alpha"])
    }

    @Test("a file with a byte order mark and Windows line endings loads")
    func bomAndCRLFFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("win.yaml", "\u{FEFF}" + Self.volume("alpha").replacing("\n", with: "\r\n"))
        let result = SpecLoader().load(paths: [file])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.specs.map(\.baseDir) == ["/srv/alpha"])
    }

    @Test("a directory without spec files is an error")
    func emptyDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("readme.md", "# nothing")
        let result = SpecLoader().load(paths: [directory.path])
        #expect(result.specs.isEmpty)
        #expect(result.diagnostics.errors.map(\.message) == ["no *.yaml or *.yml files in this directory"])
        #expect(result.diagnostics.first?.location.file == directory.path)
    }

    @Test("a missing file is an error at file:1:1 and the other files still load")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let good = try directory.write("good.yaml", Self.volume("alpha"))
        let missing = "\(directory.path)/missing.yaml"
        let result = SpecLoader().load(paths: [missing, good])
        #expect(result.diagnostics.errors.count == 1)
        let error = try #require(result.diagnostics.errors.first)
        #expect(error.message == "no such file or directory")
        #expect(error.location == JuiceCtlCore.SourceLocation(file: missing, line: 1, column: 1))
        #expect(result.specs.map(\.name) == ["alpha"])
    }

    @Test("invalid UTF-8 is reported at the line and column of the first bad byte")
    func invalidUTF8() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var data = Data("version: 1\nname: dé".utf8)
        data.append(0xFF)
        data.append(contentsOf: Data("mo\nbaseDir: /srv/demo\n".utf8))
        let file = try directory.write("bad.yaml", data)
        let result = SpecLoader().load(paths: [file])
        #expect(result.specs.isEmpty)
        let error = try #require(result.diagnostics.errors.first)
        #expect(result.diagnostics.errors.count == 1)
        #expect(error.location == JuiceCtlCore.SourceLocation(file: file, line: 2, column: 9))
        #expect(error.message == "the file is not valid UTF-8 (byte 20)")
    }

    @Test("a file above the size limit is refused without parsing it")
    func oversizedFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(
            "huge.yaml", SpecFixture.minimalYAML + String(repeating: "# padding\n", count: SpecLoader.maxFileSize / 10 + 1))
        let result = SpecLoader().load(paths: [file])
        #expect(result.specs.isEmpty)
        #expect(result.diagnostics.errors.first?.message.contains("limit") == true)
    }

    @Test("the same volume name in two files is an error at the second declaration, which is dropped")
    func duplicateNameAcrossFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try directory.write("1.yaml", Self.volume("demo", baseDir: "/srv/one"))
        let second = try directory.write("2.yaml", "# the same volume again\n" + Self.volume("demo", baseDir: "/srv/two"))
        let result = SpecLoader().load(paths: [directory.path])
        let error = try #require(result.diagnostics.errors.first)
        #expect(result.diagnostics.errors.count == 1)
        #expect(error.path == "name")
        #expect(error.location == JuiceCtlCore.SourceLocation(file: second, line: 2, column: 1))
        #expect(error.message.contains("also declared at \(first):1"))
        #expect(result.specs.map(\.origin.file) == [first])
    }

    @Test("the same volume name twice in one file drops the whole file")
    func duplicateNameInOneFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(
            "a.yaml", Self.volume("demo", baseDir: "/srv/one") + "---\n" + Self.volume("demo", baseDir: "/srv/two"))
        let result = SpecLoader().load(paths: [file])
        #expect(result.diagnostics.errors.map(\.path) == ["name"])
        #expect(result.diagnostics.errors.first?.location.line == 5)
        #expect(result.specs.isEmpty)
    }

    @Test(
        "overlapping base directories and shared mount points are errors",
        arguments: [
            (
                SpecLoaderFileTests.volume("alpha", baseDir: "/srv/a"), SpecLoaderFileTests.volume("bravo", baseDir: "/srv/a/b"),
                "baseDir", "baseDir /srv/a/b overlaps the baseDir of volume 'alpha'"
            ),
            (
                SpecLoaderFileTests.volume("alpha", baseDir: "/srv/a/b"), SpecLoaderFileTests.volume("bravo", baseDir: "/srv/a"),
                "baseDir", "baseDir /srv/a overlaps the baseDir of volume 'alpha'"
            ),
            (
                SpecLoaderFileTests.volume("alpha", mountPath: "/mnt/x"), SpecLoaderFileTests.volume("bravo", mountPath: "/mnt/x"),
                "mount.path", "mount point /mnt/x is also used by volume 'alpha'"
            ),
        ])
    func crossDocumentCollisions(first: String, second: String, path: String, message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1.yaml", first)
        let secondFile = try directory.write("2.yaml", second)
        let result = SpecLoader().load(paths: [directory.path])
        let error = try #require(result.diagnostics.errors.first)
        #expect(result.diagnostics.errors.count == 1)
        #expect(error.path == path)
        #expect(error.message.contains(message))
        #expect(error.location.file == secondFile)
        #expect(result.specs.map(\.name) == ["alpha"])
    }

    @Test("base directories that only share a name prefix do not overlap")
    func prefixIsNotOverlap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1.yaml", Self.volume("alpha", baseDir: "/srv/a"))
        try directory.write("2.yaml", Self.volume("bravo", baseDir: "/srv/ab"))
        let result = SpecLoader().load(paths: [directory.path])
        #expect(result.diagnostics.isEmpty)
        #expect(result.specs.count == 2)
    }

    @Test("an error in one file drops only that file's volumes")
    func errorDropsOnlyItsFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1.yaml", Self.volume("alpha"))
        try directory.write("2.yaml", Self.volume("bravo") + "colour: red\n")
        let result = SpecLoader().load(paths: [directory.path])
        #expect(result.diagnostics.errors.count == 1)
        #expect(result.specs.map(\.name) == ["alpha"])
    }

    @Test("the repository's examples load without errors")
    func examplesLoad() throws {
        let examples = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples").path
        let result = SpecLoader().load(paths: [examples])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        #expect(Set(result.specs.map(\.name)).isSuperset(of: ["full-example", "quickstart", "builds", "scratch"]))
    }
}
