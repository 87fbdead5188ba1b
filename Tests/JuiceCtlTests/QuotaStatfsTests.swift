import JuiceCtlCore
import Testing

@testable import JuiceCtl

/// The rules that read a directory quota from `statfs`, checked against figures of the real volume.
@Suite("QuotaStatfs")
struct QuotaStatfsTests {
    static func quota(_ path: String, gib: Double? = nil, bytes: UInt64? = nil, inodes: UInt64? = nil) -> VolumeSpec.Quota {
        let capacity = bytes.map(ByteSize.init(bytes:)) ?? gib.map { ByteSize(bytes: UInt64($0 * Double(1 << 30))) }
        return VolumeSpec.Quota(path: path, capacity: capacity, inodes: inodes)
    }

    @Test(arguments: ["host/statfs.txt", "host/statfs-used.txt"])
    func agreesWithBothLimitsItShows(fixture: String) throws {
        let figures = try StatfsFixture.load(fixture)
        let root = try #require(figures["/"])
        let x = try #require(figures["/x"])
        #expect(QuotaStatfs.agrees(directory: x, root: root, desired: Self.quota("/x", gib: 1.5, inodes: 1000)))
        #expect(!QuotaStatfs.agrees(directory: x, root: root, desired: Self.quota("/x", gib: 1.5, inodes: 999)))
        #expect(
            !QuotaStatfs.agrees(directory: x, root: root, desired: Self.quota("/x", gib: 1.5)),
            "statfs shows an inode limit the spec does not declare")
        #expect(
            !QuotaStatfs.agrees(directory: x, root: root, desired: Self.quota("/x", inodes: 1000)),
            "statfs shows a capacity the spec does not declare")
        #expect(!QuotaStatfs.agrees(directory: x, root: root, desired: nil))
    }

    @Test(arguments: ["host/statfs.txt", "host/statfs-used.txt"])
    func agreesWithACapacityOnlyQuotaWhoseInodesAreTheVolumes(fixture: String) throws {
        let figures = try StatfsFixture.load(fixture)
        let root = try #require(figures["/"])
        let directory = try #require(figures["/active/fs"])
        #expect(QuotaStatfs.agrees(directory: directory, root: root, desired: .original))
        #expect(
            !QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/active/fs", gib: 10 * 1024, inodes: 10_485_760)))
        #expect(!QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/active/fs", gib: 9 * 1024)))
    }

    @Test(arguments: ["host/statfs.txt", "host/statfs-used.txt"])
    func agreesWithAnInodeOnlyQuotaWhoseSpaceIsTheVolumes(fixture: String) throws {
        let figures = try StatfsFixture.load(fixture)
        let root = try #require(figures["/"])
        let directory = try #require(figures["/inodes-only"])
        #expect(QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/inodes-only", inodes: 5000)))
        #expect(!QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/inodes-only", gib: 1, inodes: 5000)))
    }

    @Test(arguments: ["host/statfs.txt", "host/statfs-used.txt"])
    func aDirectoryWithoutQuotaAgreesOnlyWithNoQuota(fixture: String) throws {
        let figures = try StatfsFixture.load(fixture)
        let root = try #require(figures["/"])
        let directory = try #require(figures["/noquota"])
        #expect(QuotaStatfs.agrees(directory: directory, root: root, desired: nil))
        #expect(QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/noquota")))
        #expect(!QuotaStatfs.agrees(directory: directory, root: root, desired: .original))
        #expect(!QuotaStatfs.agrees(directory: directory, root: root, desired: Self.quota("/noquota", inodes: 10_485_762)))
    }

    @Test func aCapacityThatIsNoWholeNumberOfBlocksAgreesWithinOneBlock() throws {
        let figures = try StatfsFixture.load("host/statfs.txt")
        let root = try #require(figures["/"])
        let odd = try #require(figures["/odd"])
        // Set with --capacity 1.337: juicefs stores 1435592818 bytes, statfs shows 350486 blocks of 4 KiB.
        #expect(QuotaStatfs.agrees(directory: odd, root: root, desired: Self.quota("/odd", bytes: 1_435_592_818)))
        #expect(!QuotaStatfs.agrees(directory: odd, root: root, desired: Self.quota("/odd", bytes: 1_435_592_818 + 4096)))
    }

    @Test func theReadingOfAgreeingStatfsCarriesTheBlockSizeAsTolerance() throws {
        let figures = try StatfsFixture.load("host/statfs-used.txt")
        let root = try #require(figures["/"])
        let x = try #require(figures["/x"])
        let reading = QuotaStatfs.reading(directory: x, root: root, desired: Self.quota("/x", gib: 1.5, inodes: 1000))
        #expect(reading == QuotaReading(capacity: 1_610_612_736, inodes: 1000, capacityTolerance: 4096, source: "statfs"))
        let none = QuotaStatfs.reading(directory: try #require(figures["/noquota"]), root: root, desired: nil)
        #expect(none.isNone)
    }

    @Test func combinedTakesDeclaredLimitsFromStatfsAndTheOthersFromTheTable() throws {
        let figures = try StatfsFixture.load("host/statfs.txt")
        let table = QuotaReading(capacity: 1 << 30, inodes: 1000, capacityTolerance: 53_687_092, source: "juicefs quota get")
        let x = try #require(figures["/x"])

        let capacityOnly = QuotaStatfs.combined(directory: x, table: table, desired: Self.quota("/x", gib: 1.5))
        #expect(
            capacityOnly
                == QuotaReading(capacity: 1_610_612_736, inodes: 1000, capacityTolerance: 4096, source: "statfs, juicefs quota get"))

        let inodesOnly = QuotaStatfs.combined(directory: x, table: table, desired: Self.quota("/x", inodes: 1000))
        #expect(
            inodesOnly == QuotaReading(capacity: 1 << 30, inodes: 1000, capacityTolerance: 53_687_092, source: "statfs, juicefs quota get"))
    }
}
