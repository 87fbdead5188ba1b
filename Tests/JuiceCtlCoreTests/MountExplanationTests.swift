import Testing

@testable import JuiceCtlCore

@Suite("MountExplanation: the words for a mount state")
struct MountExplanationTests {
    static func explained() throws -> (MountExplanation, VolumeSpec) {
        let spec = try SpecFixture.spec()
        return (MountExplanation(spec), spec)
    }

    @Test func faultsNameTheMountPointAndWhy() throws {
        let (explained, spec) = try Self.explained()
        let stale = try #require(explained.fault(.stale(reason: "ENOTCONN", entries: 1)))
        #expect(stale.reason == .staleMount)
        #expect(stale.message == "the mount at /srv/demo/data does not answer: ENOTCONN")
        let unresponsive = try #require(explained.fault(.unresponsive(reason: "no answer within 5000 ms", pid: 42)))
        #expect(unresponsive.reason == .conflict(.mountUnresponsive))
        #expect(
            unresponsive.message
                == "the mount at /srv/demo/data does not answer (no answer within 5000 ms) although its juicefs client (pid 42) runs: "
                + "its metadata engine or object storage is probably unreachable")
        let foreign = try #require(explained.fault(.foreign(fstype: "ext4", source: "/dev/sdb1")))
        #expect(foreign.reason == .conflict(.mountPointOccupied))
        #expect(foreign.message == "/srv/demo/data holds ext4 /dev/sdb1")
        let stacked = try #require(explained.fault(.live(ObservationFixture.liveMount(spec, stackedEntries: 3))))
        #expect(stacked.reason == .stackedMounts)
        #expect(stacked.message == "3 mounts are stacked at /srv/demo/data")
        let unsupervised = try #require(explained.fault(.live(ObservationFixture.liveMount(spec, supervisorAlive: false))))
        #expect(unsupervised.reason == .unsupervised)
        #expect(unsupervised.message == "the juicefs supervisor 4241 is gone; a crashed client would not restart")
        #expect(explained.fault(.live(ObservationFixture.liveMount(spec))) == nil)
        #expect(explained.fault(.absent) == nil)
    }

    @Test func unavailableIsNotFormattedNotMountedOrTheFault() throws {
        let (explained, spec) = try Self.explained()
        #expect(explained.unavailable(.absent, metadata: .missing)?.reason == .notFormatted)
        #expect(explained.unavailable(.absent, metadata: .unformatted)?.message == "the volume does not exist yet")
        let formatted = MetadataState.formatted(ObservationFixture.formatInfo(spec))
        #expect(explained.unavailable(.absent, metadata: formatted)?.reason == .notMounted)
        #expect(explained.unavailable(.absent, metadata: formatted)?.message == "the volume is not mounted at /srv/demo/data")
        let stale = MountState.stale(reason: "EIO", entries: 1)
        #expect(explained.unavailable(stale, metadata: formatted)?.message == explained.fault(stale)?.message)
        #expect(explained.unavailable(.live(ObservationFixture.liveMount(spec, stackedEntries: 2)), metadata: formatted) == nil)
    }

    @Test func thePlannersReasonsAndRefusals() throws {
        let (explained, spec) = try Self.explained()
        #expect(explained.notMounted == "the volume is not mounted at /srv/demo/data")
        #expect(explained.staleRecovery(reason: "EIO", entries: 1) == "the mount does not answer (EIO): detach it and mount again")
        #expect(
            explained.staleRecovery(reason: "EIO", entries: 2)
                == "the mount does not answer (EIO); 2 mounts are stacked there: detach it and mount again")
        #expect(explained.stackedRemount(entries: 2) == "2 mounts are stacked at /srv/demo/data: unmount them all and mount once")
        #expect(
            explained.supervisorGone(ObservationFixture.liveMount(spec, supervisorAlive: false))
                == "the supervising juicefs process 4241 is gone, so nothing would restart a crashed client: hand the session to a new one")
        let unresponsive = explained.unresponsiveConflict(reason: "no answer", pid: 42)
        #expect(unresponsive.code == .mountUnresponsive && unresponsive.blocking && unresponsive.target == "/srv/demo/data")
        #expect(
            unresponsive.message
                == "the mount does not answer (no answer) but its juicefs client (pid 42) runs: the metadata engine "
                + "\(spec.metadata.displayURL) or the object storage is probably slow or unreachable")
        let occupied = explained.occupiedConflict(fstype: "ext4", source: "/dev/sdb1")
        #expect(occupied.code == .mountPointOccupied && occupied.blocking && occupied.target == "/srv/demo/data")
        #expect(occupied.message == "/srv/demo/data holds another filesystem (ext4 /dev/sdb1)")
        #expect(occupied.hint == "unmount it or choose another mount.path; juicectl never mounts on top of it")
    }

    @Test func downsReasons() throws {
        let (explained, spec) = try Self.explained()
        #expect(explained.downMounted(ObservationFixture.liveMount(spec)) == "down: volume is mounted")
        #expect(
            explained.downMounted(ObservationFixture.liveMount(spec, stackedEntries: 2)) == "down: volume is mounted (2 stacked mounts)")
        #expect(explained.downStale(reason: "EIO") == "down: mount does not answer (EIO); detach it")
        #expect(
            explained.downUnresponsive(reason: "no answer", pid: 42)
                == "down: the mount does not answer (no answer) but its juicefs client (pid 42) runs; unmount it, forced if it must be")
    }
}
