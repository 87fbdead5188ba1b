@testable import JuiceCtl

/// Output of the hard-link query (``HardLinkQuery``) as `sqlite3` prints it, built from names: `inode|parent|type|HEX`
/// per line. Directories get inodes of their own (from 1000 up), the volume root is inode 1.
struct MetadataRows {
    private(set) var lines: [String] = []
    private var directories: [[[UInt8]]: UInt64] = [[]: 1]
    private var nextDirectory: UInt64 = 1000

    /// The name `path` (components from the volume root, as bytes) of regular file `inode`, with its directories.
    mutating func file(_ path: [[UInt8]], inode: UInt64) {
        let parent = directory(Array(path.dropLast()))
        lines.append("\(inode)|\(parent)|1|\(Self.hex(path.last!))")
    }

    /// The name `path` (`/`-separated UTF-8 from the volume root) of regular file `inode`.
    mutating func file(_ path: String, inode: UInt64) {
        file(path.split(separator: "/").map { Array($0.utf8) }, inode: inode)
    }

    /// A raw line, as given.
    mutating func line(_ text: String) {
        lines.append(text)
    }

    /// The text sqlite3 prints.
    var output: String { lines.map { $0 + "\n" }.joined() }

    private mutating func directory(_ path: [[UInt8]]) -> UInt64 {
        if let inode = directories[path] { return inode }
        let parent = directory(Array(path.dropLast()))
        let inode = nextDirectory
        nextDirectory += 1
        directories[path] = inode
        lines.append("\(inode)|\(parent)|2|\(Self.hex(path.last!))")
        return inode
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map {
            String($0, radix: 16, uppercase: true).count == 1
                ? "0" + String($0, radix: 16, uppercase: true)
                : String($0, radix: 16, uppercase: true)
        }.joined()
    }
}
