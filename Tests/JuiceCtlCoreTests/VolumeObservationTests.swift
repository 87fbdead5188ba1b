import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("VolumeObservation")
struct VolumeObservationTests {
    static let info = FormatInfo(
        name: "demo", uuid: "u-1", storage: "file", bucket: "/srv/demo/objects/", blockSizeKiB: 4096,
        compression: "none", trashDays: 7)

    @Test(
        "every state survives a JSON round trip",
        arguments: [
            VolumeObservation(metadata: .missing, storage: .empty, mount: .absent),
            VolumeObservation(metadata: .unformatted, storage: .unknown("EACCES"), mount: .stale(reason: "ENOTCONN", entries: 2)),
            VolumeObservation(
                metadata: .unreadable("locked"), storage: .holdsVolume(uuid: "u-1"), mount: .foreign(fstype: "ext4", source: "/dev/sdb1")),
            VolumeObservation(
                metadata: .formatted(info), storage: .holdsVolume(uuid: "u-1"),
                mount: .live(LiveMount(format: info, pid: 10, supervisorPID: 9, supervisorAlive: true, arguments: ["mount"])),
                formerMountPaths: ["/mnt/old"], directories: ["/active": .directory, "/x": .notDirectory],
                quotas: ["/active/fs": QuotaReading(capacity: 1, inodes: 2, capacityTolerance: 3, source: "statfs")],
                managedQuotaPaths: ["/active/fs"], probes: [ProbeRecord(source: "juicefs status", microseconds: 5, ok: true)],
                interruptedFormat: true),
        ])
    func jsonRoundTrip(observation: VolumeObservation) throws {
        let data = try JSONEncoder().encode(observation)
        #expect(try JSONDecoder().decode(VolumeObservation.self, from: data) == observation)
    }

    @Test("states encode flat as {state: ...}")
    func flatStateEncoding() throws {
        let data = try JSONEncoder().encode(MountState.foreign(fstype: "ext4", source: "/dev/sdb1"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object == ["state": "foreign", "fstype": "ext4", "source": "/dev/sdb1"])
    }

    @Test("juicefsCalls counts only probes that ran juicefs")
    func juicefsCalls() {
        let observation = VolumeObservation(
            metadata: .missing, storage: .empty, mount: .absent,
            probes: [
                ProbeRecord(source: "mountinfo", microseconds: 1, ok: true),
                ProbeRecord(source: "juicefs status", microseconds: 1, ok: true),
                ProbeRecord(source: "juicefs quota list", microseconds: 1, ok: false),
                ProbeRecord(source: "stat /srv/demo/data/juicefs", microseconds: 1, ok: true),
            ])
        #expect(observation.juicefsCalls == 2)
    }

    @Test(
        "a quota reading matches a declared quota within its tolerance and with equal inodes",
        arguments: [
            (
                QuotaReading(capacity: 1000, inodes: nil, source: "s"),
                VolumeSpec.Quota(path: "/a", capacity: ByteSize(bytes: 1000), inodes: nil), true
            ),
            (
                QuotaReading(capacity: 990, inodes: nil, capacityTolerance: 10, source: "s"),
                .init(path: "/a", capacity: ByteSize(bytes: 1000), inodes: nil), true
            ),
            (
                QuotaReading(capacity: 1010, inodes: nil, capacityTolerance: 10, source: "s"),
                .init(path: "/a", capacity: ByteSize(bytes: 1000), inodes: nil), true
            ),
            (
                QuotaReading(capacity: 1011, inodes: nil, capacityTolerance: 10, source: "s"),
                .init(path: "/a", capacity: ByteSize(bytes: 1000), inodes: nil), false
            ),
            (QuotaReading(capacity: nil, inodes: 5, source: "s"), .init(path: "/a", capacity: nil, inodes: 5), true),
            (QuotaReading(capacity: 1000, inodes: 5, source: "s"), .init(path: "/a", capacity: ByteSize(bytes: 1000), inodes: 6), false),
            (QuotaReading(capacity: nil, inodes: nil, source: "s"), .init(path: "/a", capacity: ByteSize(bytes: 1000), inodes: nil), false),
            (QuotaReading(capacity: 1000, inodes: nil, source: "s"), .init(path: "/a", capacity: nil, inodes: nil), false),
        ])
    func quotaMatching(reading: QuotaReading, quota: VolumeSpec.Quota, matches: Bool) {
        #expect(reading.matches(quota) == matches)
    }
}
