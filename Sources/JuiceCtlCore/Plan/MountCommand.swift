/// The `juicefs` command line that mounts a volume as its spec declares, and the reading of such a line back from
/// `/proc/<pid>/cmdline`, so that the planner can tell which flags of a live mount differ from the spec.
///
/// Value flags are always written `--name=value` and boolean flags `--name`, so a command line reads back without
/// knowing which flags take values.
public enum MountCommand {
    /// Arguments after the `juicefs` executable.
    public static func arguments(for spec: VolumeSpec) -> [String] {
        var arguments = [
            "--no-agent", "mount", "--background",
            "--log=\(spec.mountLogFile)",
            "--cache-dir=\(spec.mount.cacheDir)",
            "--cache-size=\(spec.mount.cacheSize.bytes / ByteSize.mib)",
            "--no-usage-report",
        ]
        if spec.mount.writeback { arguments.append("--writeback") }
        if spec.mount.uploadDelay != .zero { arguments.append("--upload-delay=\(spec.mount.uploadDelay)") }
        // One -o: juicectl's words (allow_other, nosuid, nodev as the spec decides), then the spec's own.
        let userWords = spec.mount.options.first { $0.name == "o" }.map { KernelMountOptions.userWords($0.value) } ?? []
        arguments += ["-o", (KernelMountOptions.fuseWords(spec.mount) + userWords).joined(separator: ",")]
        for option in spec.mount.options where option.name != "o" { arguments += option.arguments }
        arguments += [spec.metadata.url, spec.mount.path]
        return arguments
    }

    /// The words of a live mount's `/proc/<pid>/cmdline`, mended where juicefs's rewrite of its own process title
    /// joined the last flag and the (masked) metadata URL with a space: `--heartbeat=3s sqlite` is read as
    /// `--heartbeat=3s` and `sqlite` (measured with juicefs 1.4.2 when the command line is long). Only a space
    /// followed by a metadata scheme and then the word's end or `:` is a join; other spaces (in paths) are kept.
    public static func liveWords(_ words: [String]) -> [String] {
        words.flatMap { word -> [String] in
            guard word.hasPrefix("-") else { return [word] }
            for space in word.indices where word[space] == " " {
                let tail = word[word.index(after: space)...]
                let scheme = tail.prefix { $0 != ":" && $0 != " " }
                if scheme.endIndex == tail.endIndex || tail[scheme.endIndex] == ":",
                    ["sqlite3", "sqlite", "rediss", "redis", "postgres", "postgresql"].contains(String(scheme))
                {
                    return [String(word[..<space]), String(tail)]
                }
            }
            return [word]
        }
    }

    /// A command line split into flags (name → value, `true` for bare flags) and positional words.
    public struct Parsed: Sendable, Hashable {
        /// Flags by name without dashes.
        public var flags: [String: String]
        /// Words that are not flags: the subcommand, the metadata URL, the mount point.
        public var positional: [String]
    }

    /// Reads a command line back.
    public static func parse(_ arguments: [String]) -> Parsed {
        var flags: [String: String] = [:]
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word.isEmpty { continue }
            if word == "-o", index < arguments.count {
                flags["o"] = arguments[index]
                index += 1
            } else if word.hasPrefix("-"), word.count > 1 {
                let body = word.drop { $0 == "-" }
                if let equals = body.firstIndex(of: "=") {
                    flags[String(body[..<equals])] = String(body[body.index(after: equals)...])
                } else {
                    flags[String(body)] = "true"
                }
            } else {
                positional.append(word)
            }
        }
        if flags["d"] != nil { flags["background"] = flags.removeValue(forKey: "d") }
        if flags["background"] == "false" { flags.removeValue(forKey: "background") }
        return Parsed(flags: flags, positional: positional)
    }

    /// The flags whose values differ between a live command line and the desired one, sorted.
    ///
    /// Only flags are compared: juicefs rewrites its own argv from the metadata URL on (it masks the URL in the
    /// process title), so `/proc/<pid>/cmdline` loses the URL's parameters and the mount point. The mount point is
    /// known from mountinfo instead, and ``arguments(for:)`` puts every flag before the URL.
    public static func changedFlags(live: [String], desired: [String]) -> [String] {
        let a = parse(live)
        let b = parse(desired)
        var changed = Set<String>()
        for name in Set(a.flags.keys).union(b.flags.keys) where normalized(name, a.flags[name]) != normalized(name, b.flags[name]) {
            changed.insert(name)
        }
        return changed.sorted()
    }

    /// `false` for a boolean flag is the same as its absence. In `o`, the words juicectl decides itself are left out:
    /// the kernel's mountinfo says whether they hold (``KernelMountOptions/drift(_:mountOptions:superOptions:)``), and
    /// a client started before juicectl passed them (they were juicefs's defaults) runs with them all the same.
    private static func normalized(_ name: String, _ value: String?) -> String? {
        if name == "o", let value {
            let words = KernelMountOptions.userWords(value)
            return words.isEmpty ? nil : words.joined(separator: ",")
        }
        return value == "false" ? nil : value
    }
}
