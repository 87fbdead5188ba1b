internal import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the text of a `/proc/PID/{cwd,root,fd/N,map_files/RANGE}` link says, read with `readlink(2)` and never
/// followed.
enum ProcLinkText: Hashable, Sendable {
    /// A path, without the ` (deleted)` suffix the kernel appends to a removed file, and whether it was there. A
    /// file whose name really ends in ` (deleted)` reads as removed; only messages show the difference.
    case path(String, deleted: Bool)
    /// The link exists but its text is too long to read (`ENAMETOOLONG`): where it points is unknown.
    case tooLong

    private static let deletedSuffix = " (deleted)"

    /// The link text, or `nil` when it names no file on a filesystem: `socket:[123]`, `pipe:[123]`,
    /// `anon_inode:[eventfd]`, `net:[…]`, or anything else that does not start with `/`.
    static func parse(_ text: String) -> ProcLinkText? {
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        if text.hasSuffix(deletedSuffix) {
            return .path(String(text.dropLast(deletedSuffix.count)), deleted: true)
        }
        return .path(text, deleted: false)
    }

    /// The path, if the text was readable.
    var path: String? {
        if case .path(let path, _) = self { return path }
        return nil
    }

    /// Whether the kernel marked the file as removed.
    var isDeleted: Bool {
        if case .path(_, true) = self { return true }
        return false
    }
}

/// Small texts of `/proc`, parsed without touching the host.
enum ProcText {
    /// The `mnt_id:` line of a `/proc/PID/fdinfo/N` file: the id of the mount the descriptor's file is reached
    /// through (ids are unique across every mount namespace of the host).
    static func mountID(fromFDInfo text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("mnt_id:") {
            return Int(line.dropFirst("mnt_id:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The inode of a mount namespace from the text of a `/proc/PID/ns/mnt` link, `mnt:[4026531832]`.
    static func namespaceInode(fromLink text: String) -> UInt64? {
        guard text.hasPrefix("mnt:["), text.hasSuffix("]") else { return nil }
        return UInt64(text.dropFirst("mnt:[".count).dropLast())
    }

    /// The `map_files` names (`start-end` in hex without leading zeros; maps pads to 8 digits) of the file
    /// mappings (inode not 0) in a `/proc/PID/maps` text whose file is on one of `devices`, in order. A line is
    /// `7f2a1c000000-7f2a1c021000 r--p 00000000 00:29 1234   /mnt/vol/active/fs/lib.so`, the device in hex. A
    /// process maps dozens of files: the device tells, in one read, which few deserve a `readlink`. Works on bytes
    /// and looks at the first five fields only (a host's maps run to megabytes).
    static func mappedFiles(fromMaps bytes: [UInt8], on devices: Set<DeviceNumber>) -> [String] {
        guard !devices.isEmpty else { return [] }
        let wanted = Array(devices)
        var ranges: [String] = []
        bytes.withUnsafeBufferPointer { text in
            guard let base = text.baseAddress else { return }
            /// The offset of the next `byte` at or after `from`, before `end`.
            func find(_ byte: UInt8, from: Int, end: Int) -> Int? {
                guard from < end, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            var line = 0
            while line < text.count {
                let end = find(0x0A, from: line, end: text.count) ?? text.count
                defer { line = end + 1 }
                // range perms offset dev inode path: the spaces after the first four fields, then the inode's end.
                guard let afterRange = find(0x20, from: line, end: end), let afterPerms = find(0x20, from: afterRange + 1, end: end),
                    let afterOffset = find(0x20, from: afterPerms + 1, end: end),
                    let afterDevice = find(0x20, from: afterOffset + 1, end: end),
                    let colon = find(0x3A, from: afterOffset + 1, end: afterDevice),
                    let major = number(text, afterOffset + 1, colon, radix: 16),
                    let minor = number(text, colon + 1, afterDevice, radix: 16),
                    wanted.contains(DeviceNumber(major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor))),
                    let inode = number(text, afterDevice + 1, find(0x20, from: afterDevice + 1, end: end) ?? end, radix: 10),
                    inode != 0,
                    let dash = find(0x2D, from: line, end: afterRange),
                    let low = number(text, line, dash, radix: 16), let high = number(text, dash + 1, afterRange, radix: 16)
                else { continue }
                ranges.append(String(low, radix: 16) + "-" + String(high, radix: 16))
            }
        }
        return ranges
    }

    /// The number written in `text[start..<end]` in `radix` (lower-case hex digits), or `nil`.
    private static func number(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, radix: UInt64) -> UInt64? {
        guard start < end else { return nil }
        var value: UInt64 = 0
        for index in start..<end {
            let byte = text[index]
            let digit: UInt64
            switch byte {
            case 0x30...0x39: digit = UInt64(byte - 0x30)
            case 0x61...0x66 where radix == 16: digit = UInt64(byte - 0x61 + 10)
            default: return nil
            }
            value = value &* radix &+ digit
        }
        return value
    }

    /// Field 22 of `/proc/PID/stat`, the process's start time in clock ticks after boot. The fields are counted
    /// after the last `)`, because the command name in field 2 may hold spaces and parentheses.
    static func startTime(fromStat text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (the state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A device number, as mountinfo writes it in decimal (`0:41`) and maps in hex (`00:29`).
struct DeviceNumber: Hashable, Sendable {
    var major: UInt32
    var minor: UInt32

    /// From `major:minor` in decimal; `nil` when it is not that.
    init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }
}
