/// The one query that finds hard links in JuiceFS's SQLite metadata, and the reading of its output.
///
/// JuiceFS commits a link, rename or unlink before it answers the kernel, so the database read while the volume is
/// mounted is exact. `jfs_node` holds the inodes (`type` 1 a regular file, 2 a directory) and `jfs_edge` the names
/// (`parent`, `name` as bytes, `inode`, indexed by inode). A directory has exactly one name; the root is inode 1, and
/// the trash hangs off an inode that never leads back to it. The query finds the tree's root by its names from the
/// volume root, the directories below it (one recursive pass over the directories' names, by the `(parent, name)`
/// index), every name in them of a regular file with more than one link, and the names of all the directories above
/// those up to the root. So its cost and its output follow the tree, not the volume: the copies of the same links in
/// every checkpoint are not read. Names are printed with `hex()`, so that every byte survives and the separator can
/// never appear inside one; the tree's names go into the SQL as blob literals (`X'…'`), never as text.
enum HardLinkQuery {
    /// The column separator of the output.
    static let separator = "|"

    /// The SQL text for the tree whose names from the volume root are `tree` (`["active"]`, at least one).
    static func sql(tree: [[UInt8]]) -> String {
        let joins = tree.indices.dropFirst().map { "JOIN jfs_edge e\($0) ON e\($0).parent = e\($0 - 1).inode" }.joined(separator: " ")
        let names = tree.enumerated().map {
            "e\($0.offset).name = X'\($0.element.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())'"
        }
        return """
            WITH RECURSIVE
            root(inode) AS (
              SELECT e\(tree.count - 1).inode FROM jfs_edge e0 \(joins)
                WHERE e0.parent = 1 AND \(names.joined(separator: " AND ")) AND e\(tree.count - 1).type = 2
            ),
            tree(inode) AS (
              SELECT inode FROM root
              UNION ALL
              SELECT e.inode FROM tree t JOIN jfs_edge e ON e.parent = t.inode WHERE e.type = 2
            ),
            names(inode, parent, type, name) AS (
              SELECT e.inode, e.parent, e.type, e.name FROM tree t JOIN jfs_edge e ON e.parent = t.inode
                JOIN jfs_node n ON n.inode = e.inode WHERE e.type = 1 AND n.nlink > 1
              UNION
              SELECT e.inode, e.parent, e.type, e.name FROM names JOIN jfs_edge e ON e.inode = names.parent AND e.type = 2
            )
            SELECT inode, parent, type, hex(name) FROM names;
            """
    }

    /// The arguments of `sqlite3` that run the query for `tree` on `database`, read-only, waiting up to 5 s for a lock.
    static func arguments(database: String, tree: [[UInt8]]) -> [String] {
        ["-readonly", "-batch", "-noheader", "-list", "-separator", separator, "-cmd", ".timeout 5000", database, sql(tree: tree)]
    }

    /// One row of the output.
    struct Edge: Sendable, Hashable {
        var inode: UInt64
        var parent: UInt64
        var type: Int
        var name: [UInt8]
    }

    /// The rows of `output`, or an error naming the first line that is not `inode|parent|type|HEX`.
    static func edges(_ output: String) throws(HardLinkError) -> [Edge] {
        var edges: [Edge] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 4, let inode = UInt64(fields[0]), let parent = UInt64(fields[1]), let type = Int(fields[2]),
                let name = bytes(hex: fields[3]), !name.isEmpty
            else {
                throw HardLinkError("unexpected line in the output of the metadata query: \(line.prefix(200))")
            }
            edges.append(Edge(inode: inode, parent: parent, type: type, name: name))
        }
        return edges
    }

    /// The groups inside the tree at `tree` (names from the volume root, e.g. `["active"]`): each file's names are
    /// resolved through the directories up to the root, and only those below `tree` are kept, relative to it. Names
    /// that do not lead back to the root (the trash) are ignored, and so are groups with fewer than two names left.
    static func groups(_ edges: [Edge], inside tree: [[UInt8]]) -> [HardLinkGroup] {
        var directories: [UInt64: Edge] = [:]
        for edge in edges where edge.type == 2 { directories[edge.inode] = edge }
        var resolved: [UInt64: [[UInt8]]?] = [1: []]
        /// The names from the root down to `inode`, or `nil` when it does not lead back to the root.
        func path(of inode: UInt64) -> [[UInt8]]? {
            var chain: [UInt64] = []
            var current = inode
            while resolved[current] == nil {
                guard let edge = directories[current], chain.count <= directories.count else {
                    // A loop or a missing parent: nothing on this chain leads to the root.
                    for visited in chain + [current] { resolved[visited] = .some(nil) }
                    return nil
                }
                chain.append(current)
                current = edge.parent
            }
            guard var names = resolved[current] ?? nil else {
                for visited in chain { resolved[visited] = .some(nil) }
                return nil
            }
            for visited in chain.reversed() {
                names.append(directories[visited]!.name)
                resolved[visited] = names
            }
            return names
        }
        var entries: [(path: TreePath, inode: UInt64)] = []
        for edge in edges where edge.type == 1 {
            guard let directory = path(of: edge.parent) else { continue }
            let full = directory + [edge.name]
            guard full.count > tree.count, full.starts(with: tree),
                let relative = TreePath(components: Array(full.dropFirst(tree.count)))
            else { continue }
            entries.append((relative, edge.inode))
        }
        return HardLinkGroup.grouping(entries)
    }

    /// The bytes of upper- or lower-case hex text, or `nil` when it is not hex.
    static func bytes(hex text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x41 + 10
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}
