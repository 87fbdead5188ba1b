internal import JuiceCtlCore

/// One line of `/proc/self/mountinfo`.
package struct MountInfoEntry: Sendable, Hashable {
    /// Mount ID.
    package var id: Int
    /// Parent mount ID.
    package var parentID: Int
    /// `major:minor` of the device.
    package var device: String
    /// The directory of the filesystem that is mounted (field 4, escapes decoded): `/` for a whole filesystem,
    /// `/active/fs` for a bind mount of a subdirectory. It follows renames of that directory; the kernel appends
    /// `//deleted` once the directory is removed.
    package var root: String
    /// Mount point, with `\040`-style escapes decoded.
    package var mountPoint: String
    /// Filesystem type, e.g. `fuse.juicefs`.
    package var fstype: String
    /// Mount source, e.g. `JuiceFS:vol1`.
    package var source: String
    /// Per-mount options (`rw,nosuid,...`).
    package var mountOptions: String
    /// Superblock options as the kernel writes them: escaped, because a value may hold a path (overlayfs's
    /// `lowerdir=`). Split them at their commas, then decode each with ``MountInfoText/unescape(_:)``.
    package var superOptions: String

    /// The minor device number, which names the connection under `/sys/fs/fuse/connections`.
    package var minor: Int? { device.split(separator: ":").last.flatMap { Int($0) } }
}

/// Parses `/proc/self/mountinfo` (see proc(5)).
package enum MountInfoParser {
    /// All parseable lines, in file order (a later line for the same mount point is mounted on top).
    package static func parse(_ text: String) -> [MountInfoEntry] {
        text.split(separator: "\n").compactMap(parseLine)
    }

    /// One line, or `nil` when it is malformed.
    package static func parseLine(_ line: Substring) -> MountInfoEntry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard let separator = fields.dropFirst(6).firstIndex(of: "-"), separator + 3 < fields.count,
            let id = Int(fields[0]), let parent = Int(fields[1])
        else { return nil }
        return MountInfoEntry(
            id: id, parentID: parent, device: String(fields[2]), root: unescape(fields[3]),
            mountPoint: unescape(fields[4]), fstype: unescape(fields[separator + 1]), source: unescape(fields[separator + 2]),
            mountOptions: String(fields[5]), superOptions: String(fields[separator + 3]))
    }

    /// Decodes the octal escapes the kernel writes for space, tab, newline and backslash (`\040`, `\011`, `\012`,
    /// `\134`), working on bytes so that non-ASCII names survive.
    package static func unescape(_ field: Substring) -> String {
        MountInfoText.unescape(field)
    }
}
