/// A curl configuration handed to `curl --config -` on its standard input, so that nothing of it (credentials above
/// all) is on the command line, which any local user can read in `/proc/PID/cmdline`.
///
/// Values are written in double quotes, with `\` and `"` escaped; curl reads `\t`, `\n`, `\r` and `\v` in quotes as
/// control characters, so a value holding a raw control character is refused rather than written.
struct CurlConfig: Sendable {
    /// A value that cannot be written into a configuration (it holds a control character).
    struct Unquotable: Error {}

    private(set) var lines: [String] = []

    /// The arguments curl gets: `-q` first (no `~/.curlrc`), then the configuration from standard input.
    static let arguments = ["-q", "--config", "-"]

    /// Adds a switch without a value: `silent`.
    mutating func flag(_ name: String) {
        lines.append(name)
    }

    /// Adds `name = "value"`.
    ///
    /// - Throws: ``Unquotable`` when `value` holds a control character.
    mutating func option(_ name: String, _ value: String) throws(Unquotable) {
        guard let quoted = Self.quoted(value) else { throw Unquotable() }
        lines.append("\(name) = \(quoted)")
    }

    /// The configuration's text.
    var text: String { lines.joined(separator: "\n") + "\n" }

    /// `value` in double quotes with `\` and `"` escaped, or `nil` when it holds a control character.
    static func quoted(_ value: String) -> String? {
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        var text = "\""
        for character in value {
            if character == "\\" || character == "\"" { text.append("\\") }
            text.append(character)
        }
        return text + "\""
    }

    /// curl's `max-time` and `connect-timeout` value for `duration`: seconds with three decimals.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = max(1, duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - String(milliseconds % 1000).count))\(milliseconds % 1000)"
    }
}
