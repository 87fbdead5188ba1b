import Testing

@testable import JuiceCtl

@Suite("Hard links: reading the metadata query's output")
struct HardLinkQueryTests {
    static let active: [[UInt8]] = [Array("active".utf8)]

    @Test func namesWithSpacesNewlinesAndBytesThatAreNotUTF8SurviveAsTheirBytes() throws {
        var rows = MetadataRows()
        rows.file("active/fs/a b.txt", inode: 100)
        rows.file("active/fs/sub dir/line\nbreak", inode: 100)
        let odd: [UInt8] = [0xFF, 0xFE, 0x7C, 0x0A, 0x78] // not UTF-8, with the separator and a newline inside
        rows.file([Array("active".utf8), Array("fs".utf8), odd], inode: 101)
        rows.file("active/fs/plain", inode: 101)

        let groups = HardLinkQuery.groups(try HardLinkQuery.edges(rows.output), inside: Self.active)

        #expect(
            groups.map { $0.names.map(\.bytes) } == [
                [Array("fs/a b.txt".utf8), Array("fs/sub dir/line\nbreak".utf8)],
                [Array("fs/plain".utf8), Array("fs/".utf8) + odd],
            ])
        #expect(groups.last?.names.last?.description == "fs/\\xFF\\xFE|\nx", "escaped so that it prints apart from any other name")
    }

    @Test func onlyNamesInsideTheTreeCountAndGroupsWithOneNameLeftAreDropped() throws {
        var rows = MetadataRows()
        rows.file("active/fs/kept-1", inode: 200)
        rows.file("active/fs/deeper/kept-2", inode: 200)
        rows.file("active/fs/with-root", inode: 201) // its other name is in the volume root
        rows.file("outside", inode: 201)
        rows.file("active/fs/with-checkpoint", inode: 202) // its other name is in a checkpoint
        rows.file("checkpoints/v1/fs/with-checkpoint", inode: 202)
        rows.file("active2/fs/x", inode: 203) // a sibling whose name starts like the tree's
        rows.file("active2/fs/y", inode: 203)
        rows.file("checkpoints/v1/fs/a", inode: 204)
        rows.file("checkpoints/v1/fs/b", inode: 204)

        let edges = try HardLinkQuery.edges(rows.output)
        let active = HardLinkQuery.groups(edges, inside: Self.active)
        let checkpoint = HardLinkQuery.groups(edges, inside: [Array("checkpoints".utf8), Array("v1".utf8)])

        #expect(active.map { $0.names } == [[TreePath("fs/deeper/kept-2"), TreePath("fs/kept-1")]])
        #expect(checkpoint.map { $0.names } == [[TreePath("fs/a"), TreePath("fs/b")]])
    }

    @Test func namesThatDoNotLeadBackToTheRootAreIgnored() throws {
        var rows = MetadataRows()
        rows.file("active/fs/live", inode: 300)
        rows.file("active/fs/other", inode: 300)
        // A name in the trash: its directory hangs off the trash inode, which has no name leading to inode 1.
        rows.line("9223372032828243969|9223372032828243968|2|\(MetadataRows.hex(Array("1-2-3".utf8)))")
        rows.line("300|9223372032828243969|1|\(MetadataRows.hex(Array("3-300-live".utf8)))")
        // And a loop of two directories that never reaches the root.
        rows.line("500|501|2|\(MetadataRows.hex(Array("loop-a".utf8)))")
        rows.line("501|500|2|\(MetadataRows.hex(Array("loop-b".utf8)))")
        rows.line("300|500|1|\(MetadataRows.hex(Array("in-loop".utf8)))")

        let groups = HardLinkQuery.groups(try HardLinkQuery.edges(rows.output), inside: Self.active)

        #expect(groups.map { $0.names } == [[TreePath("fs/live"), TreePath("fs/other")]])
    }

    @Test(arguments: ["12|1|1", "x|1|1|61", "12|1|1|6", "12|1|1|ZZ", "12|1|1|", "12|1|1|61|extra"])
    func aLineThatIsNotFourFieldsWithHexNamesIsAnError(line: String) {
        #expect(throws: HardLinkError.self) { try HardLinkQuery.edges("12|1|1|61\n\(line)\n") }
    }

    @Test func theQueryRunsReadOnlyOnTheDatabaseAndPrintsNamesAsHex() {
        let arguments = HardLinkQuery.arguments(database: "/var/lib/v/metadata.db", tree: [Array("active".utf8)])
        #expect(arguments.starts(with: ["-readonly"]))
        #expect(arguments.contains("/var/lib/v/metadata.db"))
        #expect(arguments.last?.contains("hex(name)") == true)
        #expect(arguments.last?.contains("nlink > 1") == true)
    }

    @Test func theQueryStartsFromTheTreesRootFoundByItsNamesAsBlobLiterals() {
        let sql = HardLinkQuery.sql(tree: [Array("checkpoints".utf8), [0x27, 0xff, 0x20]])
        #expect(sql.contains("e0.parent = 1 AND e0.name = X'636865636b706f696e7473' AND e1.name = X'27ff20' AND e1.type = 2"), "\(sql)")
        #expect(sql.contains("JOIN jfs_edge e1 ON e1.parent = e0.inode"))
        #expect(!sql.contains("'\\''"), "a name's quote never reaches the SQL as text")
    }
}
