import Foundation
import Testing

@testable import JuiceCtlCore

/// The limits that keep hostile YAML from exhausting memory, time or the stack, and the positions of errors at the
/// edges of a text: each found by the spec fuzzer (``SpecFuzzTests``).
@Suite("SpecLoader limits")
struct SpecLoaderLimitsTests {
    /// Ten anchors, each a list of nine aliases of the previous one: 9^10 values when expanded.
    static func laughs(width: Int = 9, levels: Int = 10) -> String {
        var text = "l0: &l0 [" + Array(repeating: "lol", count: width).joined(separator: ", ") + "]\n"
        for level in 1..<levels {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: width).joined(separator: ", ") + "]\n"
        }
        return text
    }

    /// Loads `text` under a generous hang guard (a hang detector, not a speed target).
    static func errors(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Diagnostic] {
        var errors: [Diagnostic] = []
        let elapsed = ContinuousClock().measure { errors = SpecFixture.errors(text) }
        #expect(elapsed < .seconds(10), "loading took \(elapsed)", sourceLocation: sourceLocation)
        return errors
    }

    @Test("an alias bomb used as a mapping key is refused at the alias, before Yams would hash every expanded value of it")
    func aliasBombAsKey() {
        // Yams checks mapping keys for duplicates by hashing each key whole; before the check this took hours.
        let text = SpecFixture.yaml(Self.laughs() + "? *l9\n: 1\n")
        let errors = Self.errors(text)
        #expect(errors.count == 1, "\(errors)")
        let error = errors.first
        #expect(error?.message == "the document expands to more than 20000 values")
        #expect(error?.hint == "aliases that expand exponentially are not accepted")
        // The first alias that crosses the budget: the second in l4 (line 8), whose aliases of l3 are 7381 values each.
        #expect(error?.location.line == 8, "\(errors)")
        #expect(error?.location.column == 15, "\(errors)")
    }

    @Test("an alias bomb is refused where the alias that crosses the budget is, not at the start of the document")
    func aliasBombLocation() throws {
        let text =
            SpecFixture.yaml("overlay:\n  lowerDirs: &d [/a, /b, /c, /d, /e, /f, /g, /h]\n")
            + "quotas: [" + Array(repeating: "*d", count: 3000).joined(separator: ", ") + "]\n"
        let error = try #require(Self.errors(text).first)
        #expect(error.message == "the document expands to more than 20000 values")
        #expect(error.location.line == 6)
        // 21 values come before the first alias and each alias adds 9; the n-th alias is at column 10 + 4 * (n - 1).
        let crossing = (20_000 - 21) / 9 + 1
        #expect(error.location.column == 10 + 4 * (crossing - 1))
    }

    @Test("a long value repeated through aliases is refused by the limit on expanded text, naming the limit")
    func repeatedLongValue() throws {
        let value = String(repeating: "9", count: 100_000)
        let text =
            SpecFixture.yaml("suspend:\n  reason: &big \"\(value)\"\n")
            + "quotas:\n" + String(repeating: "  - {path: /q, capacity: *big}\n", count: 100)
        let errors = Self.errors(text)
        let error = try #require(errors.first)
        #expect(errors.count == 1, "\(errors.map(\.message))")
        #expect(error.message == "the document expands to more than 4194304 bytes of text")
        #expect(error.hint == "aliases that repeat long values are not accepted")
        // The value itself and 40 aliases of it fit: the alias in the 41st quota (line 47) crosses the limit.
        #expect(error.location.line == 6 + 41 && error.location.column == 26, "\(error)")
    }

    @Test("a megabyte value without aliases stays within the limit on text and is judged as usual")
    func longValueWithoutAliases() {
        let errors = Self.errors(SpecFixture.yaml("suspend:\n  reason: \"" + String(repeating: "r", count: 1 << 20) + "\"\n"))
        #expect(errors.map(\.message) == ["is longer than 1024 characters"])
    }

    @Test(
        "aliases that nest their anchor deeper are refused by the depth limit at the alias",
        arguments: [
            ("a: &a [[[[[[[[[[x]]]]]]]]]]\n", 10),
            ("a: &a {k: {k: {k: {k: {k: {k: {k: {k: x}}}}}}}}\n", 8),
        ])
    func deepThroughAliases(anchor: String, levels: Int) throws {
        // Each line nests the previous anchor `levels` deeper: little text, an expanded depth of over 64.
        var text = anchor
        var previous = "a"
        for index in 0..<(70 / levels + 1) {
            let name = "b\(index)"
            text +=
                "\(name): &\(name) " + String(repeating: "[", count: levels) + "*\(previous)" + String(repeating: "]", count: levels) + "\n"
            previous = name
        }
        let errors = Self.errors(SpecFixture.yaml(text))
        let error = try #require(errors.first)
        #expect(errors.count == 1, "\(errors)")
        #expect(error.message == "the document nests deeper than 64 levels")
        #expect(error.hint?.contains("aliases") == true)
        #expect(error.location.line > 4 && error.location.column > 1, "\(error)")
    }

    @Test("block nesting thousands deep is refused at the 65th level, before libyaml or Yams go deeper")
    func deepBlockNesting() throws {
        var text = "overlay:\n"
        for level in 1...2000 { text += String(repeating: " ", count: level) + "k:\n" }
        let errors = Self.errors(SpecFixture.yaml(text))
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message == "the document nests deeper than 64 levels")
        // The root mapping is level 0 and overlay's mapping level 1 (line 5, column 2), so the mapping on line 68 is
        // level 64 and its key, at column 65, level 65.
        #expect(error.location.line == 68 && error.location.column == 65, "\(error)")
    }

    @Test("the documents before one that breaks a limit are kept; those after it are not read, as after a syntax error")
    func overrunInSecondDocument() {
        let text = SpecFixture.minimalYAML + "---\n" + Self.laughs() + "---\nversion: 1\nname: third\nbaseDir: /srv/third\n"
        let result = SpecLoader().load(text: text, file: "x.yaml")
        #expect(result.specs.map(\.name) == ["demo"])
        #expect(result.diagnostics.errors.map(\.message) == ["the document expands to more than 20000 values"])
        #expect(result.diagnostics.errors.first?.location.line ?? 0 > 4)
    }

    @Test(
        "an error at the end of a text without a final line break is placed at the end of the last line",
        arguments: [
            ("version: 1\nnam", 2, 4, "invalid YAML: could not find expected ':'"),
            ("version: 1\nname: [a,", 2, 10, "invalid YAML: did not find expected node content"),
            (SpecFixture.minimalYAML + "---", 4, 4, "document 2 is empty"),
            ("version: 1\r\nnam", 2, 4, "invalid YAML: could not find expected ':'"),
        ])
    func errorAtEndOfText(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(SpecFixture.errors(text).first)
        #expect(error.message.hasPrefix(message), "\(error)")
        #expect(error.location.line == line && error.location.column == column, "\(error)")
    }

    @Test(
        "a NUL or control character is reported at its line and column, naming the character",
        arguments: [
            ("version: 1\nname: de\u{0}mo\n", 2, 9, "U+0000"),
            ("version: 1\nname: démo\u{1B}\n", 2, 11, "U+001B"),
            ("\u{0}", 1, 1, "U+0000"),
        ])
    func controlCharacter(text: String, line: Int, column: Int, character: String) throws {
        let error = try #require(SpecFixture.errors(text).first)
        #expect(error.message == "unreadable input: control characters are not allowed (\(character))")
        #expect(error.location.line == line && error.location.column == column, "\(error)")
    }

    @Test("a NUL byte in a file is reported at its line and column")
    func nulInFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("nul.yaml", Data("version: 1\nname: demo\nbaseDir: /srv/\0demo\n".utf8))
        let errors = SpecLoader().load(paths: [file]).diagnostics.errors
        #expect(errors.map(\.location) == [JuiceCtlCore.SourceLocation(file: file, line: 3, column: 15)])
        #expect(errors.first?.message.contains("U+0000") == true)
    }

    @Test("a multi-gigabyte file is refused after reading one byte past the size limit, not read whole")
    func hugeFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("disk.img", Data())
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 3 << 30) // sparse: no space used
        try handle.close()
        let before = FuzzCampaign.peakRSS()
        let result = SpecLoader().load(paths: [file])
        let growth = FuzzCampaign.peakRSS() - before
        #expect(result.diagnostics.errors.map(\.message) == ["the file is 3221225472 bytes, above the 1048576-byte limit for specs"])
        #expect(growth < 1 << 30, "peak RSS grew by \(growth >> 20) MiB")
    }

    @Test("a multi-megabyte unknown key is reported without measuring its distance to every known key")
    func hugeUnknownKey() throws {
        // DidYouMean compared the whole key with each known key, character by character, for a "did you mean".
        let errors = Self.errors(SpecFixture.yaml("? " + String(repeating: "k", count: 4_000_000) + "\n: 1\n"))
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.hasPrefix("unknown key 'kkk"))
        #expect(error.hint?.hasPrefix("expected one of: version, name, baseDir") == true)
    }

    @Test("a near-miss key still gets its did you mean")
    func nearMissStillSuggested() {
        #expect(DidYouMean.suggestion(for: "cachSize", among: ["path", "cacheDir", "cacheSize"]) == "cacheSize")
        #expect(DidYouMean.suggestion(for: "cache_size", among: ["cacheSize"]) == "cacheSize")
        #expect(DidYouMean.suggestion(for: "enable_xattr", among: ["enable-xattr"]) == "enable-xattr")
        #expect(DidYouMean.suggestion(for: "colour", among: ["version", "name"]) == nil)
    }
}
