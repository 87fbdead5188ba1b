import Foundation

@testable import JuiceCtlCore

/// SplitMix64: a small, fast, seedable generator, so that every fuzzed document can be made again from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The generator of document `index` of category number `category`: independent of how many documents run.
    static func forDocument(seed: UInt64, category: Int, index: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(category + 1) &* 0xD6E8_FEB8_6659_FD93))
        for _ in 0...(index % 3) { _ = mixer.next() }
        return SplitMix64(seed: mixer.next() &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    }
}

/// One generated input: text for `SpecLoader.load(text:file:)`, or raw bytes (possibly not UTF-8) that are also
/// written to a file and read back through `SpecLoader.load(paths:)`.
struct FuzzDocument {
    /// The bytes of the document.
    var bytes: [UInt8]
    /// Whether to load it from a file too (`load(paths:)` reads bytes and checks UTF-8 itself).
    var viaFile: Bool
    /// For documents that put a wrongly typed value at a key: the diagnostic path that must carry an error.
    var expectedErrorPath: String?

    init(_ text: String, viaFile: Bool = false, expectedErrorPath: String? = nil) {
        bytes = Array(text.utf8)
        self.viaFile = viaFile
        self.expectedErrorPath = expectedErrorPath
    }

    init(bytes: [UInt8], viaFile: Bool) {
        self.bytes = bytes
        self.viaFile = viaFile
    }
}

/// A key of the spec format reached by walking ``SpecFormat/document``: where it sits and what type it wants.
struct SchemaKeyPath {
    enum Step: Hashable {
        case key(String)
        case item
    }

    var steps: [Step]
    var type: SchemaType
    var isSecretReference: Bool

    /// The path as diagnostics write it: `mount.cacheSize`, `quotas[0].path`.
    var display: String {
        var text = ""
        for step in steps {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .item: text += "[0]"
            }
        }
        return text
    }

    /// Every key and list item of the format, depth first.
    static let all: [SchemaKeyPath] = walk(SpecFormat.document, prefix: [])

    private static func walk(_ object: SchemaObject, prefix: [Step]) -> [SchemaKeyPath] {
        var paths: [SchemaKeyPath] = []
        for field in object.fields {
            paths += walk(field.type, steps: prefix + [.key(field.name)])
        }
        return paths
    }

    private static func walk(_ type: SchemaType, steps: [Step]) -> [SchemaKeyPath] {
        switch type {
        case .object(let object):
            return [SchemaKeyPath(steps: steps, type: type, isSecretReference: object.isSecretReference)] + walk(object, prefix: steps)
        case .array(let element, _, _):
            return [SchemaKeyPath(steps: steps, type: type, isSecretReference: false)] + walk(element, steps: steps + [.item])
        default:
            return [SchemaKeyPath(steps: steps, type: type, isSecretReference: false)]
        }
    }

    /// The JSON kinds a value of this key may have without a type error.
    var acceptedKinds: Set<JSONKind> {
        switch type {
        case .string: [.string]
        case .integer: [.integer]
        case .boolean: [.boolean]
        case .object, .reserved: [.mapping]
        case .array: [.list]
        case .scalar: [.string, .integer, .boolean]
        }
    }

    /// Whether a scalar value belongs here (for placing odd numbers and long strings).
    var isScalar: Bool {
        switch type {
        case .string, .integer, .boolean, .scalar: true
        default: false
        }
    }
}

/// The kinds of JSON value, each with a YAML spelling that fits on one line.
enum JSONKind: String, CaseIterable {
    case string, integer, boolean, null, list, mapping

    var yaml: String {
        switch self {
        case .string: "\"text\""
        case .integer: "42"
        case .boolean: "true"
        case .null: "~"
        case .list: "[1, two]"
        case .mapping: "{k: v}"
        }
    }
}

/// A small YAML tree for building documents that set values at schema paths, rendered in block style.
indirect enum YAMLTree {
    case raw(String)
    case mapping([(String, YAMLTree)])
    case sequence([YAMLTree])

    /// The three required keys, valid as they are.
    static var minimal: YAMLTree {
        .mapping([("version", .raw("1")), ("name", .raw("fuzz-volume")), ("baseDir", .raw("/srv/fuzz-volume"))])
    }

    /// The tree with `value` (YAML text of one line) at `steps`, replacing whatever was there.
    func setting(_ value: String, at steps: ArraySlice<SchemaKeyPath.Step>) -> YAMLTree {
        guard let step = steps.first else { return .raw(value) }
        switch step {
        case .key(let key):
            var entries: [(String, YAMLTree)] = if case .mapping(let existing) = self { existing } else { [] }
            if let index = entries.firstIndex(where: { $0.0 == key }) {
                entries[index].1 = entries[index].1.setting(value, at: steps.dropFirst())
            } else {
                entries.append((key, YAMLTree.mapping([]).setting(value, at: steps.dropFirst())))
            }
            return .mapping(entries)
        case .item:
            var items: [YAMLTree] = if case .sequence(let existing) = self { existing } else { [] }
            if items.isEmpty {
                items.append(YAMLTree.mapping([]).setting(value, at: steps.dropFirst()))
            } else {
                items[0] = items[0].setting(value, at: steps.dropFirst())
            }
            return .sequence(items)
        }
    }

    func render(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .raw(let value):
            return pad + value + "\n"
        case .mapping(let entries):
            return entries.map { pad + $0.0 + ":" + Self.child($0.1, indent: indent) }.joined()
        case .sequence(let items):
            return items.map { pad + "-" + Self.child($0, indent: indent) }.joined()
        }
    }

    /// What follows `key:` or `-`: a value on the same line, or a block indented below.
    private static func child(_ value: YAMLTree, indent: Int) -> String {
        switch value {
        case .raw(let text): " " + text + "\n"
        case .mapping(let entries) where entries.isEmpty: " {}\n"
        case .sequence(let items) where items.isEmpty: " []\n"
        default: "\n" + value.render(indent: indent + 2)
        }
    }
}

/// The generators of each category. Each takes the document's own random generator, so a document depends only on
/// the seed, its category and its index.
enum SpecFuzzGenerators {
    // MARK: Corpus

    /// Valid documents: every example of `examples/` and the fixtures below (each must load without errors).
    static func corpus() throws -> [(name: String, text: String)] {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var documents = try names.map { ("examples/\($0)", try String(contentsOf: examples.appendingPathComponent($0), encoding: .utf8)) }
        documents += fixtures
        return documents
    }

    static let fixtures: [(name: String, text: String)] = [
        ("SpecFixture.minimalYAML", SpecFixture.minimalYAML),
        (
            "fixture: every section",
            """
            version: 1
            name: fuzz-overlay
            baseDir: /srv/fuzz-overlay
            format: {blockSize: 1MiB, compression: zstd, trashDays: 0}
            mount:
              cacheSize: 1GiB
              writeback: true
              uploadDelay: 1m30s
              options: {heartbeat: 2s, enable-xattr: true, o: allow_other}
            quotas:
              - &q {path: /active/fs, capacity: 1.5GiB, inodes: 1000000}
              - {path: /active/scratch, inodes: 10}
            overlay:
              imageSize: 1GiB
              lowerDirs: [/mnt/system-base, /mnt/more]
              target: /mnt/newroot
              mountOptions: [index=off]
              onCorrupt: recreate
            backup:
              replica: {type: file, path: /srv/fuzz-overlay/replica}
              syncInterval: 2s
              snapshotInterval: 2h
              retention: 48h
            checkpoints:
              schedule: "0 */6 * * *"
              retain: {last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, pruneManual: true, prunePinned: false}
              quiesce:
                cgroups: [/sys/fs/cgroup/freezer/sandbox-1, /sys/fs/cgroup/sandbox.slice/app.scope]
                pre: [["/usr/local/bin/app-flush", "--fast"], [/usr/bin/sync]]
                post:
                  - ["/usr/local/bin/app-resume"]
                hookTimeout: 30s
                maxFrozen: 250ms
            restore: {checkpoint: v1, requestId: "2026-11-25-rollback", terminateUsers: true, grace: 10s}
            suspend: {reason: "migrating the host"}

            """
        ),
        (
            "fixture: postgres and s3",
            """
            version: 1
            name: fuzz-postgres
            baseDir: /srv/fuzz-postgres
            metadata:
              url: postgres://juicefs@db.internal:5432/volumes?sslmode=disable
              password: {file: /etc/juicectl/pg-password}
            storage:
              type: s3
              bucket: "http://127.0.0.1:9000/objects"
              accessKey: {env: S3_ACCESS_KEY}
              secretKey: {env: S3_SECRET_KEY}
            quotas: []
            ---
            version: 1
            name: fuzz-redis
            baseDir: /srv/fuzz-redis
            metadata: {url: "rediss://redis.internal:6380/2", password: {env: REDIS_PASSWORD}}

            """
        ),
    ]

    // MARK: Mutations

    static let punctuation: [String] = [
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "&x ", "*x", " *a", "!!str ", "!!int ", "!!map ",
        "!!seq ", "!!binary ", "!!float ", "!foo ", "!<tag:yaml.org,2002:str> ", "? ", "|", ">", "|-", ">+", "|2", "#",
        "'", "\"", "---\n", "...\n", "%YAML 1.2\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "<<: *a\n", "<<: [*a, *x]\n",
        "\t", "\n", "\r", "\r\n", " ", "  ", "\\", "%", "@", "`", "~", "=", "!", "&", "*", "\u{FEFF}", "\u{85}",
        "\u{2028}", "\"\\u0000\"", "\"\\uD800\"", "\"\\x", "\\0", "[[[[", "]]]]", "{{{{", "}}}}", "- - - -",
    ]

    /// 1 to 4 edits of a valid document: byte flips, deletions, YAML punctuation, truncation, duplicated or swapped
    /// lines, indentation changes, odd values.
    static func mutation(of text: String, using rng: inout SplitMix64) -> FuzzDocument {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
            case 2, 3:
                bytes.insert(contentsOf: punctuation.randomElement(using: &rng)!.utf8, at: at)
            case 4:
                bytes.removeSubrange(at...)
            case 5:
                var lines = split(bytes)
                let line = Int.random(in: 0..<lines.count, using: &rng)
                lines.insert(lines[line], at: Int.random(in: 0...lines.count, using: &rng))
                bytes = join(lines)
            case 6:
                var lines = split(bytes)
                let line = Int.random(in: 0..<lines.count, using: &rng)
                if Bool.random(using: &rng) {
                    lines[line].insert(
                        contentsOf: Array(
                            repeating: Bool.random(using: &rng) ? UInt8(ascii: " ") : UInt8(ascii: "\t"),
                            count: Int.random(in: 1...4, using: &rng)), at: 0)
                } else {
                    lines[line].removeFirst(min(lines[line].prefix { $0 == UInt8(ascii: " ") }.count, Int.random(in: 1...4, using: &rng)))
                }
                bytes = join(lines)
            case 7:
                var lines = split(bytes)
                lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
                bytes = join(lines)
            case 8:
                var lines = split(bytes)
                let line = Int.random(in: 0..<lines.count, using: &rng)
                if let colon = lines[line].firstIndex(of: UInt8(ascii: ":")) {
                    lines[line] = Array(lines[line][...colon]) + Array((" " + oddValue(using: &rng)).utf8)
                }
                bytes = join(lines)
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            }
        }
        return FuzzDocument(
            bytes: bytes, viaFile: String(validating: bytes, as: UTF8.self) == nil || Int.random(in: 0..<8, using: &rng) == 0)
    }

    private static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
    }

    private static func join(_ lines: [[UInt8]]) -> [UInt8] {
        Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    }

    // MARK: Deep nesting

    /// Flow and block nesting from a few levels to a hundred thousand, balanced or not, under real keys or at the top.
    static func deepNesting(using rng: inout SplitMix64) -> FuzzDocument {
        let depths = [1, 2, 10, 32, 63, 64, 65, 66, 100, 500, 998, 999, 1000, 1001, 1002, 2000, 10_000, 100_000]
        let depth = Bool.random(using: &rng) ? depths.randomElement(using: &rng)! : Int.random(in: 1...3000, using: &rng)
        let balanced = Int.random(in: 0..<4, using: &rng) != 0
        let body: String
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            body = String(repeating: "[", count: depth) + (balanced ? String(repeating: "]", count: depth) : "")
        case 1:
            body = String(repeating: "{a: ", count: depth) + "1" + (balanced ? String(repeating: "}", count: depth) : "")
        case 2:
            body =
                String(repeating: "[{x: ", count: depth / 2 + 1) + "/mnt" + (balanced ? String(repeating: "}]", count: depth / 2 + 1) : "")
        case 3:
            // Block mappings, one space per level (a document of depth d is about d²/2 bytes: capped at 1500 levels).
            var text = "\n"
            for level in 0..<min(depth, 1500) { text += String(repeating: " ", count: level + 1) + "k:\n" }
            body = text + String(repeating: " ", count: min(depth, 1500) + 1) + "end"
        case 4:
            body = "\n  " + String(repeating: "- ", count: depth) + "/mnt"
        case 5:
            body = "\n" + String(repeating: "? ", count: min(depth, 5000)) + "x"
        default:
            var text = ""
            for level in 0..<depth {
                text += ["[", "{k: ", "[{k: ", "- "][level % 2 == 0 ? 0 : 1]
            }
            body = text + "v" + (balanced ? String(String(text.reversed()).compactMap { ["[": "]", "{": "}"][$0] }) : "")
        }
        let key = [
            "overlay", "mount", "quotas", "overlay:\n  lowerDirs", "mount:\n  options:\n    o", "colour", "checkpoints:\n  retain",
            "checkpoints:\n  quiesce:\n    pre",
        ]
        .randomElement(using: &rng)!
        if Int.random(in: 0..<5, using: &rng) == 0 {
            return FuzzDocument(body)
        }
        return FuzzDocument(SpecFixture.minimalYAML + "\(key): " + body + "\n")
    }

    // MARK: Numbers and odd scalars

    static let oddValues: [String] = [
        "1e400", "-1e400", "1e-400", "-0", "-0.0", "+0", "0x", "0x0", "0xFFFFFFFFFFFFFFFFFFFF", "0X1F", "0o", "0o8",
        "0o777777777777777777777777", "0b1010", "99999999999999999999999", "-99999999999999999999999",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", ".nan", ".NaN", ".inf", "-.inf", "+.inf", "NaN", "Infinity", "1_000", "1:30", "1.", ".5",
        "5.", "1e", "e5", "1e+", "0.1e-400", "00000000000000000000001", "9999999PiB", "9999999999PiB", "8192PiB",
        "8191.99999PiB", "18446744073709551615B", "9223372036854775808B", "9223372036854775807B", "0.0000000000000000001KiB",
        "0.000000000000000000000000000000000001KiB", "1.5B", "1e3MiB", "-1GiB", "+1GiB", "1 GiB", "1  GiB", "'1GiB '",
        "' 1GiB'", "1.99999999999999999999999TiB", "0B", "0", "-1", "99999999999999999999h", "9223372036854775807ns",
        "9223372036854775808ns", "2562048h", "2562047h47m16.854775807s", "1.9999999999999999999999s", "1h-30m", "1h1h1h", "0s",
        "-1s", "1µs", "1μs", "1d", "1w", "P1D", "1.s", ".1s", "'@every 0s'", "'@every 99999999999999999999h'", "'@every -1s'",
        "'* * * * *'", "'*/0 * * * *'", "'99999999999999999999 * * * *'", "'0-99999999999999999999 * * * *'", "'1-0 * * * *'",
        "'60 24 32 13 8'", "'@every'", "'@yearly'", "true", "True", "yes", "~", "null", "\"\"", "''", "\"\\0\"", "\"\\t\"",
        "\"\\uD800\"", "\"\\U0010FFFF\"", "\"\\U00110000\"", "\"\\x00\"", "\"\\e\"", "\"/\\0/\"", "http://[::1",
        "'http://a:99999999999999999999/b'",
        "'redis://:99999999999999999999'", "'postgres://u@h:-1/d'", "sqlite3://", "sqlite3:///", "s3://", "http:///b",
        "'http://KEY:SECRET@host/b'", "'redis://:pw@h/1'", "'sqlite3:///a.db?password=x'", "/", "//", "/..", "/./.", "/a/../..",
        "'/\u{0301}'", "\"\\u00e9\"", "\"\\u202e\"", "!!int 12", "!!float 1", "!!bool 1", "!!null x", "!!str 1e400", "!!binary AAAA",
        "&n 12", "*undefined", "[]", "{}", "- 1", "|\n  1GiB", ">-\n  10\n  TiB",
    ]

    static func oddValue(using rng: inout SplitMix64) -> String {
        if Int.random(in: 0..<3, using: &rng) != 0 { return oddValues.randomElement(using: &rng)! }
        var text = ["", "-", "+", "0x", "0o", "."].randomElement(using: &rng)!
        let digits = [1, 2, 19, 20, 40, 400].randomElement(using: &rng)!
        for _ in 0..<digits { text.append(Character(String(Int.random(in: 0...9, using: &rng)))) }
        if Bool.random(using: &rng) { text += "." + String(repeating: "9", count: Int.random(in: 0...40, using: &rng)) }
        if Bool.random(using: &rng) {
            text += "e" + ["", "-", "+"].randomElement(using: &rng)! + String(Int.random(in: 0...99999, using: &rng))
        }
        if Bool.random(using: &rng) {
            text += ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "GB", "s", "ms", "h", "ns", "m"].randomElement(using: &rng)!
        }
        return text
    }

    /// One to three odd values at scalar keys of a minimal document.
    static func oddNumbers(using rng: inout SplitMix64) -> FuzzDocument {
        let scalars = SchemaKeyPath.all.filter(\.isScalar)
        var tree = YAMLTree.minimal
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let path = scalars.randomElement(using: &rng)!
            tree = tree.setting(oddValue(using: &rng), at: path.steps[...])
        }
        return FuzzDocument(tree.render())
    }

    // MARK: Invalid UTF-8

    static let badSequences: [[UInt8]] = [
        [0xFF], [0xFE], [0xC0, 0x80], [0xC1, 0xBF], [0xC3], [0x80], [0xBF], [0xE2, 0x82], [0xED, 0xA0, 0x80],
        [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFC],
        [0x00], [0x00, 0x00], [0x01], [0x08], [0x1B], [0x7F], [0xEF, 0xBB, 0xBF], [0xEF, 0xBF, 0xBE], [0xEF, 0xBF, 0xBF],
        [0xC2, 0x85], [0xE2, 0x80, 0xA8], [0xC2, 0x80], [0xF0, 0x9F, 0x98], [0xE0, 0x80, 0xAF],
    ]

    /// A valid document with bad UTF-8, NULs and control bytes at random places, or a document in another encoding.
    static func invalidUTF8(of text: String, using rng: inout SplitMix64) -> FuzzDocument {
        var bytes = Array(text.utf8)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            bytes = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        case 1:
            bytes = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 2:
            bytes = (0..<Int.random(in: 1...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                bytes.insert(contentsOf: badSequences.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return FuzzDocument(bytes: bytes, viaFile: true)
    }

    // MARK: Anchors and aliases

    /// Billion laughs (in values, keys, flow and block), alias cycles, merge keys, undefined and shadowed anchors,
    /// aliases across documents, harmless reuse, deep chains and repeated long values.
    static func aliases(using rng: inout SplitMix64) -> FuzzDocument {
        let base = SpecFixture.minimalYAML
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1, 2:
            let levels = Int.random(in: 2...12, using: &rng)
            let width = Int.random(in: 2...12, using: &rng)
            let asMappings = Bool.random(using: &rng)
            var text =
                "l0: &l0 "
                + (asMappings
                    ? "{" + (0..<width).map { "k\($0): lol" }.joined(separator: ", ") + "}"
                    : "[" + Array(repeating: "lol", count: width).joined(separator: ", ") + "]") + "\n"
            for level in 1..<levels {
                let items = Array(repeating: "*l\(level - 1)", count: width)
                text +=
                    "l\(level): &l\(level) "
                    + (asMappings
                        ? "{" + items.enumerated().map { "k\($0.offset): \($0.element)" }.joined(separator: ", ") + "}"
                        : "[" + items.joined(separator: ", ") + "]") + "\n"
            }
            let top = "*l\(levels - 1)"
            let use = [
                "overlay:\n  lowerDirs: \(top)\n", "? \(top)\n: 1\n", "mount:\n  options: {o: \(top)}\n", "quotas: [\(top), \(top)]\n",
                "? [\(top), \(top)]\n: 1\n", "\(top) : x\n", "checkpoints:\n  retain:\n    ? \(top)\n    : 1\n", "",
            ].randomElement(using: &rng)!
            if Bool.random(using: &rng) { return FuzzDocument(base + text + use) }
            // The same in one flow mapping.
            let flow = text.split(separator: "\n").joined(separator: ", ")
            return FuzzDocument(base + "x: {\(flow), use: \(top)}\n")
        case 3:
            return FuzzDocument(
                [
                    "a: &a [*a]\n", "&a {b: *a}\n", "a: &a {<<: *a}\n", "a: &a\n  b: *a\n", "*a\n", "&a *a\n", "a: &a &b 1\n",
                    "a: *a\n", "quotas: &q [*q]\n", "mount: &m {options: *m}\n",
                ].randomElement(using: &rng)! + (Bool.random(using: &rng) ? base : ""))
        case 4:
            let merge = [
                "mount:\n  <<: *m\n", "mount:\n  <<: [*m, *n]\n", "mount:\n  <<: {cacheSize: 1GiB}\n", "<<: *m\n",
                "mount:\n  << : *m\n  cacheSize: 2GiB\n",
                "mount:\n  <<: *undefined\n", "mount:\n  <<: *s\n",
            ].randomElement(using: &rng)!
            return FuzzDocument(base + "suspend: {reason: &s why}\nformat: &m {blockSize: 1MiB}\nbackup: &n {enabled: false}\n" + merge)
        case 5:
            let anchors = "suspend:\n  reason: &r \"because\"\nrestore: {checkpoint: &c v1, requestId: &i r1}\n"
            let uses = [
                "name: *r\n", "baseDir: *r\n", "mount: {cacheSize: *c}\n", "format: {trashDays: *i}\n",
                "quotas: [{path: *r, capacity: *c}]\n",
                "overlay: {lowerDirs: [*r, *c, *i]}\n", "checkpoints: {schedule: *r}\n",
            ]
            return FuzzDocument("version: 1\nname: alias-fuzz\nbaseDir: /srv/alias\n" + anchors + uses.randomElement(using: &rng)!)
        case 6:
            // Anchors defined in one document and used in the next; shadowed anchors.
            return FuzzDocument(
                base + "quotas: [&q {path: /a, capacity: 1GiB}]\n---\n" + "version: 1\nname: second\nbaseDir: /srv/second\nquotas: [*q]\n"
                    + (Bool.random(using: &rng) ? "overlay: {lowerDirs: [&q /x, *q]}\n" : ""))
        case 7:
            // Harmless reuse, which must stay valid.
            let count = Int.random(in: 1...40, using: &rng)
            return FuzzDocument(
                base + "overlay:\n  lowerDirs: [&d /mnt/base" + String(repeating: ", *d", count: count) + "]\n"
                    + "quotas:\n  - &q {path: /active/fs, capacity: 1GiB}\n")
        case 8:
            // A chain where each anchor nests the previous one a few levels deeper: the expanded depth grows.
            let levels = Int.random(in: 2...40, using: &rng)
            let step = Int.random(in: 1...20, using: &rng)
            var text = "d0: &d0 x\n"
            for level in 1..<levels {
                text +=
                    "d\(level): &d\(level) " + String(repeating: "[", count: step) + "*d\(level - 1)" + String(repeating: "]", count: step)
                    + "\n"
            }
            return FuzzDocument(base + text + "overlay: {lowerDirs: [*d\(levels - 1)]}\n")
        default:
            // A long value repeated through an alias: little text, a lot of expanded text.
            let length = [1_000, 10_000, 100_000, 500_000].randomElement(using: &rng)!
            let count = [10, 100, 1000, 5000].randomElement(using: &rng)!
            let value = String(repeating: ["9", "a", "/x", "é"].randomElement(using: &rng)!, count: length)
            let target = [
                "quotas:\n" + String(repeating: "  - {path: /q, capacity: *big}\n", count: count),
                "overlay:\n  lowerDirs: [" + Array(repeating: "*big", count: count).joined(separator: ", ") + "]\n",
                "overlay:\n  mountOptions: [" + Array(repeating: "*big", count: count).joined(separator: ", ") + "]\n",
                "mount:\n  options: {" + (0..<count).map { "o\($0): *big" }.joined(separator: ", ") + "}\n",
            ].randomElement(using: &rng)!
            return FuzzDocument(base + "suspend:\n  reason: &big \"\(value)\"\n" + target)
        }
    }

    // MARK: Long strings

    /// Megabyte values at random keys, 100,000-key mappings, very long keys, 100,000-item lists, long comments.
    static func longStrings(using rng: inout SplitMix64) -> FuzzDocument {
        let megabyte = 1 << 20
        let base = SpecFixture.minimalYAML
        switch Int.random(in: 0..<8, using: &rng) {
        case 0, 1:
            let path = SchemaKeyPath.all.filter(\.isScalar).randomElement(using: &rng)!
            let unit = ["a", "9", "/", "é", "🙂", " ", "-", "\\\"", "/a"].randomElement(using: &rng)!
            var value = String(repeating: unit, count: megabyte / max(1, unit.utf8.count))
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: value = "\"/" + value + "\""
            case 1: value = "'" + value.replacing("\\\"", with: "x") + "GiB'"
            case 2: value = "|\n  " + value.replacing("\\\"", with: "x")
            default: value = "/" + value.replacing("\\\"", with: "x").replacing(" ", with: "_") + "MiB"
            }
            return FuzzDocument(YAMLTree.minimal.setting(value, at: path.steps[...]).render())
        case 2:
            let keys = (0..<100_000).map { "k\($0): \($0)\n" }.joined()
            return FuzzDocument(
                Bool.random(using: &rng)
                    ? base + keys : base + "mount:\n  options:\n" + keys.split(separator: "\n").map { "    \($0)\n" }.joined())
        case 3:
            let key = String(
                repeating: ["k", "é", "9"].randomElement(using: &rng)!, count: [1000, 1025, 100_000, megabyte].randomElement(using: &rng)!)
            return FuzzDocument(
                base + ["\(key): 1\n", "? \(key)\n: 1\n", "\"\(key)\": 1\n", "mount:\n  \(key): 1\n", "mount: {\(key): 1}\n"].randomElement(
                    using: &rng)!)
        case 4:
            let items = 100_000
            return FuzzDocument(
                base
                    + (Bool.random(using: &rng)
                        ? "overlay:\n  lowerDirs:\n" + String(repeating: "    - /mnt/a\n", count: items)
                        : "overlay: {lowerDirs: [" + Array(repeating: "/mnt/a", count: items).joined(separator: ", ") + "]}\n"))
        case 5:
            return FuzzDocument(
                base + "# " + String(repeating: "c", count: megabyte) + "\n" + String(repeating: "\n", count: 100_000) + "colour: red\n")
        case 6:
            let digits = String(repeating: "9", count: megabyte)
            return FuzzDocument(
                base + [
                    "mount: {cacheSize: \(digits)MiB}\n", "backup: {retention: \(digits)s}\n", "format: {trashDays: \(digits)}\n",
                    "checkpoints: {schedule: '@every \(digits)s'}\n", "quotas: [{path: /a, inodes: \(digits)}]\n",
                ]
                .randomElement(using: &rng)!)
        default:
            // Over the file size limit: as a file it is refused before parsing.
            return FuzzDocument(base + "suspend: {reason: \"" + String(repeating: "r", count: megabyte + 10) + "\"}\n", viaFile: true)
        }
    }

    // MARK: Wrong types

    /// Every key of the format with each JSON kind it does not accept: the document must be rejected at that key.
    static let wrongTypeCases: [FuzzDocument] = SchemaKeyPath.all.flatMap { path in
        JSONKind.allCases.filter { !path.acceptedKinds.contains($0) }.map { kind in
            FuzzDocument(YAMLTree.minimal.setting(kind.yaml, at: path.steps[...]).render(), expectedErrorPath: path.display)
        }
    }

    /// Two to five keys with wrong types at once (beyond the exhaustive list, for longer runs).
    static func wrongTypes(using rng: inout SplitMix64) -> FuzzDocument {
        var tree = YAMLTree.minimal
        for _ in 0..<Int.random(in: 2...5, using: &rng) {
            let path = SchemaKeyPath.all.randomElement(using: &rng)!
            let kind = JSONKind.allCases.randomElement(using: &rng)!
            tree = tree.setting(kind.yaml, at: path.steps[...])
        }
        return FuzzDocument(tree.render())
    }
}
