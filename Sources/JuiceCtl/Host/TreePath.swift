/// A path relative to the root of a tree, kept as the bytes of its names: a tenant's file names need not be UTF-8,
/// and a `String` made from them would lose the bytes that are not.
///
/// Names are never empty and hold neither `/` nor NUL. The empty path is the tree's root itself.
package struct TreePath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The names from the root down.
    package let components: [[UInt8]]

    /// A path from its names; names that are empty, `.` or `..`, or hold `/` or NUL are refused (`nil`).
    package init?(components: [[UInt8]]) {
        for name in components {
            guard !name.isEmpty, name != [0x2E], name != [0x2E, 0x2E], !name.contains(0x2F), !name.contains(0) else { return nil }
        }
        self.components = components
    }

    /// A path from `/`-separated UTF-8 text (tests and literal names); empty components are dropped. Traps on `.`,
    /// `..` or NUL, which no caller passes.
    package init(_ text: String) {
        let names = text.utf8.split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init)
        guard let path = TreePath(components: names) else { preconditionFailure("not a tree path: \(text)") }
        self = path
    }

    /// The root of the tree.
    package static let root = TreePath(components: [])!

    /// Whether this is the root of the tree.
    package var isRoot: Bool { components.isEmpty }

    /// The directory holding the last name (the root for a name in the root, and for the root itself).
    package var parent: TreePath { TreePath(trusted: Array(components.dropLast())) }

    /// The last name (empty for the root).
    package var name: [UInt8] { components.last ?? [] }

    /// This path with `name` appended, or `nil` when `name` is not a valid name.
    package func appending(_ name: [UInt8]) -> TreePath? {
        TreePath(components: components + [name])
    }

    /// The bytes of the path, names joined by `/`.
    package var bytes: [UInt8] { Array(components.joined(separator: [0x2F])) }

    /// The path as text: UTF-8 where the bytes are UTF-8, `\xNN` for every other byte and `\\` for a backslash, so
    /// that two different paths never print alike.
    package var description: String {
        TreePath.escaped(bytes)
    }

    /// Paths order by their bytes, name by name (so a directory comes right before what it holds).
    package static func < (lhs: TreePath, rhs: TreePath) -> Bool {
        for (left, right) in zip(lhs.components, rhs.components) where left != right {
            return left.lexicographicallyPrecedes(right)
        }
        return lhs.components.count < rhs.components.count
    }

    private init(trusted components: [[UInt8]]) {
        self.components = components
    }

    /// `bytes` as text, escaping what is not UTF-8 (see ``description``).
    static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        var index = 0
        while index < bytes.count {
            let length = utf8Length(bytes, at: index)
            if length > 0 {
                let scalar = String(decoding: bytes[index..<(index + length)], as: UTF8.self)
                text += scalar == "\\" ? "\\\\" : scalar
                index += length
            } else {
                text += "\\x" + String(bytes[index], radix: 16, uppercase: true).leftPadded(to: 2)
                index += 1
            }
        }
        return text
    }

    /// The length of the well-formed UTF-8 sequence at `index`, or 0 when there is none.
    private static func utf8Length(_ bytes: [UInt8], at index: Int) -> Int {
        let first = bytes[index]
        let (length, low, high): (Int, UInt8, UInt8) =
            switch first {
            case 0x00...0x7F: (1, 0x80, 0xBF)
            case 0xC2...0xDF: (2, 0x80, 0xBF)
            case 0xE0: (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
            case 0xED: (3, 0x80, 0x9F)
            case 0xF0: (4, 0x90, 0xBF)
            case 0xF1...0xF3: (4, 0x80, 0xBF)
            case 0xF4: (4, 0x80, 0x8F)
            default: (0, 0, 0)
            }
        guard length > 0, index + length <= bytes.count else { return 0 }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let (minimum, maximum) = offset == 1 ? (low, high) : (0x80, 0xBF)
            guard byte >= minimum && byte <= maximum else { return 0 }
        }
        return length
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
