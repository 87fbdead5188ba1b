import Testing

@testable import JuiceCtlCore

@Suite("QuotaRenderer")
struct QuotaRendererTests {
    @Test("a declared quota names the limits the spec sets, and only those")
    func limits() {
        #expect(QuotaRenderer.limits(VolumeSpec.Quota(path: "/p", capacity: .tebibytes(2), inodes: 10)) == "capacity 2TiB, inodes 10")
        #expect(QuotaRenderer.limits(VolumeSpec.Quota(path: "/p", capacity: nil, inodes: 10)) == "inodes 10")
        #expect(QuotaRenderer.limits(VolumeSpec.Quota(path: "/p", capacity: .gibibytes(1), inodes: nil)) == "capacity 1GiB")
    }

    @Test("a reading names both limits, missing ones as no limit, and a rounded capacity as about")
    func reading() {
        let exact = QuotaReading(capacity: ByteSize.tebibytes(2).bytes, inodes: nil, source: "juicefs quota get")
        #expect(QuotaRenderer.reading(exact) == "capacity 2TiB, no inode limit")
        let rounded = QuotaReading(capacity: ByteSize.gibibytes(1).bytes, inodes: 7, capacityTolerance: 4096, source: "statfs")
        #expect(QuotaRenderer.reading(rounded) == "capacity about 1GiB, inodes 7")
        #expect(QuotaRenderer.reading(.none(source: "x")) == "no capacity limit, no inode limit")
    }

    @Test("the status names a reading with ~ when rounded, and none when there is no quota")
    func status() {
        let rounded = QuotaReading(capacity: ByteSize.tebibytes(10).bytes, inodes: nil, capacityTolerance: 4096, source: "statfs")
        #expect(QuotaRenderer.status(rounded) == "capacity ~10 TiB, no inode limit")
        #expect(QuotaRenderer.status(QuotaReading(capacity: nil, inodes: 4, source: "s")) == "no capacity limit, inodes 4")
        #expect(QuotaRenderer.status(.none(source: "s")) == "none")
    }

    @Test("a read-back names the exact bytes and inodes")
    func readBack() {
        #expect(QuotaRenderer.readBack(QuotaReading(capacity: 1024, inodes: 3, source: "s")) == "1024 bytes and 3 inodes")
        #expect(QuotaRenderer.readBack(.none(source: "s")) == "no capacity limit and no inode limit")
    }
}
