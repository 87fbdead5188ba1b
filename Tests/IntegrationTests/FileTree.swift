import Foundation
import JuiceCtlTestSupport

/// A directory tree's content, for byte-exact comparisons: every file's bytes and permission bits, every directory.
struct FileTree: Equatable, CustomStringConvertible {
    var files: [String: Data]
    var modes: [String: Int]
    var directories: Set<String>

    /// Reads the tree under `root`.
    static func read(_ root: String) throws -> FileTree {
        var tree = FileTree(files: [:], modes: [:], directories: [])
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { throw CocoaError(.fileReadNoSuchFile) }
        while let relative = enumerator.nextObject() as? String {
            let path = "\(root)/\(relative)"
            let attributes = try manager.attributesOfItem(atPath: path)
            tree.modes[relative] = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                tree.directories.insert(relative)
            } else {
                tree.files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return tree
    }

    /// Writes `count` files of varied size and mode into `root` (in ten sub-directories), deterministic for `seed`.
    static func write(_ root: String, count: Int, seed: UInt64) throws {
        var generator = SplitMix(seed: seed)
        for index in 0..<count {
            let directory = "\(root)/d\(index % 10)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let size = Int(generator.next() % 4000) + 1
            let bytes = Data((0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            let path = "\(directory)/f\(index).bin"
            try bytes.write(to: URL(fileURLWithPath: path))
            if index % 7 == 0 { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
        }
    }

    /// Edits, adds and removes files, so that the tree differs from what `write` made.
    static func change(_ root: String) throws {
        try Data("edited".utf8).write(to: URL(fileURLWithPath: "\(root)/d1/f1.bin"))
        try Data("added".utf8).write(to: URL(fileURLWithPath: "\(root)/d2/new.txt"))
        try FileManager.default.removeItem(atPath: "\(root)/d3/f3.bin")
        try FileManager.default.createDirectory(atPath: "\(root)/newdir/deeper", withIntermediateDirectories: true)
        try Data("deep".utf8).write(to: URL(fileURLWithPath: "\(root)/newdir/deeper/x"))
    }

    var description: String { "\(files.count) files, \(directories.count) directories" }
}
