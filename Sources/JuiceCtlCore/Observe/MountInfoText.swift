/// The text of `/proc/self/mountinfo` fields: the kernel writes a space as `\040`, a tab as `\011`, a newline as
/// `\012` and a backslash as `\134` in mount points, sources and superblock option values (overlayfs's
/// `lowerdir=`, ...), and a comma inside an option value as `\054`.
public enum MountInfoText {
    /// Decodes the kernel's octal escapes, working on bytes so that non-ASCII names survive. Split a field of
    /// options at its commas first: a comma inside a value stays escaped until then.
    public static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count, let value = octal(source[(index + 1)...(index + 3)]) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt32(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
