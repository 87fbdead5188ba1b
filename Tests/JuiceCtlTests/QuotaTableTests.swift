import JuiceCtlCore
import Testing

@testable import JuiceCtl

@Suite("JuiceFSOutput.quotaTable")
struct QuotaTableTests {
    static let gib: UInt64 = 1 << 30
    static let tib: UInt64 = 1 << 40
    /// Half of 0.1 GiB, rounded up: the tolerance of a figure printed as `1.5 GiB`.
    static let tenthGiBTolerance: UInt64 = 53_687_092

    @Test func readsEveryRowOfARealQuotaList() throws {
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-list.txt"), source: "juicefs quota list")
        #expect(Set(table.keys) == ["/active/fs", "/big", "/inodes-only", "/odd", "/small", "/x", "/y"])
        #expect(table.values.allSatisfy { $0.source == "juicefs quota list" })
    }

    @Test func readsCapacityWithItsRoundingAndInodesWithThousandsSeparators() throws {
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-list.txt"), source: "list")
        #expect(
            table["/x"] == QuotaReading(capacity: 3 * Self.gib / 2, inodes: 1000, capacityTolerance: Self.tenthGiBTolerance, source: "list")
        )
        #expect(table["/big"] == QuotaReading(capacity: 2 * Self.tib, inodes: 1_234_567, capacityTolerance: 54_975_581_389, source: "list"))
        #expect(table["/small"] == QuotaReading(capacity: 512 << 20, inodes: nil, capacityTolerance: 512 << 10, source: "list"))
    }

    @Test func readsUnchangedAsNoLimit() throws {
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-list.txt"), source: "list")
        #expect(table["/active/fs"] == QuotaReading(capacity: 10 * Self.tib, inodes: nil, capacityTolerance: Self.tib / 2, source: "list"))
        #expect(table["/inodes-only"] == QuotaReading(capacity: nil, inodes: 5000, capacityTolerance: 0, source: "list"))
    }

    @Test func readsTheInodeLimitSetToZeroAsNone() throws {
        // `--capacity 2 --inodes 0` over 1.5 GiB + 1000 inodes: the inode limit is gone.
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-set-y-capacity-only.txt"), source: "set")
        #expect(table["/y"]?.capacity == 2 * Self.gib)
        #expect(table["/y"]?.inodes == nil)
    }

    @Test func aRoundedFigureMatchesTheDeclaredQuotaWithinItsLastDigit() throws {
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-get-odd.txt"), source: "get")
        let reading = try #require(table["/odd"])
        // Set with --capacity 1.337, printed as 1.3 GiB.
        #expect(reading.matches(VolumeSpec.Quota(path: "/odd", capacity: ByteSize(bytes: 1_435_592_818), inodes: nil)))
        #expect(
            !reading.matches(
                VolumeSpec.Quota(path: "/odd", capacity: ByteSize(bytes: 1_395_864_371 + Self.tenthGiBTolerance + 1), inodes: nil)))
        #expect(!reading.matches(VolumeSpec.Quota(path: "/odd", capacity: ByteSize(bytes: 1_435_592_818), inodes: 10)))
    }

    @Test func aWholeNumberFigureIsOnlyKnownToHalfAUnit() throws {
        let reading = try #require(
            JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-get-active-fs.txt"), source: "get")["/active/fs"])
        #expect(reading.matches(.original))
        #expect(reading.matches(VolumeSpec.Quota(path: "/active/fs", capacity: ByteSize(bytes: 10 * Self.tib + Self.tib / 2), inodes: nil)))
        #expect(!reading.matches(VolumeSpec.Quota(path: "/active/fs", capacity: .tebibytes(11), inodes: nil)))
    }

    @Test func ignoresTheUsedColumns() throws {
        let table = JuiceFSOutput.quotaTable(try Fixture.text("juicefs/quota-list-used.txt"), source: "list")
        #expect(table["/x"]?.capacity == 3 * Self.gib / 2)
        #expect(table["/x"]?.inodes == 1000)
        #expect(table["/active/fs"]?.capacity == 10 * Self.tib)
    }

    @Test func theEmptyOutputOfADirectoryWithoutQuotaHasNoRows() throws {
        let text = try Fixture.text("juicefs/quota-get-no-quota.txt")
        #expect(text.isEmpty)
        #expect(JuiceFSOutput.quotaTable(text, source: "get").isEmpty)
    }

    @Test func ignoresRowsWhosePathIsNotAbsoluteAndRowsOfTheWrongWidth() {
        let text = """
            +------+--------+--------+
            | Path |  Size  | Inodes |
            +------+--------+--------+
            | uid:0| 1 GiB  |     10 |
            | /a   | 1 GiB  |
            | /b   | 2 GiB  |  1,000 |
            +------+--------+--------+
            """
        let table = JuiceFSOutput.quotaTable(text, source: "t")
        #expect(Array(table.keys) == ["/b"])
    }

    @Test(arguments: [
        ("1.5 GiB", UInt64(1_610_612_736), UInt64(53_687_092)),
        ("512 MiB", UInt64(536_870_912), UInt64(524_288)),
        ("10 TiB", UInt64(10_995_116_277_760), UInt64(549_755_813_888)),
        ("4.8 MiB", UInt64(5_033_164), UInt64(52_429)),
        ("100 B", UInt64(100), UInt64(0)),
    ])
    func parsesHumanSizesWithTheirTolerance(text: String, bytes: UInt64, tolerance: UInt64) throws {
        let size = try #require(JuiceFSOutput.parseSize(text))
        #expect(size.bytes == bytes)
        #expect(size.tolerance == tolerance)
    }

    @Test(arguments: ["unchanged", "", "0 B", "1.5", "1.5 GB", "x GiB"])
    func readsNoSizeFromTextThatIsNoLimit(_ text: String) {
        #expect(JuiceFSOutput.parseSize(text) == nil)
    }
}
