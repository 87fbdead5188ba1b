import Foundation
import JuiceCtlCore
import Testing

@testable import JuiceCtl

@Suite("JuiceFSOutput: status and .config")
struct JuiceFSStatusOutputTests {
    @Test func readsTheSettingOfARealStatus() throws {
        let status = try JuiceFSOutput.Status.parse(try Fixture.text("juicefs/status-unmounted.json"))
        #expect(status.sessions.isEmpty)
        #expect(
            status.setting.formatInfo
                == FormatInfo(
                    name: "fixvol", uuid: "62e7dfea-1d24-47fa-8aaf-090b34a809d6", storage: "file",
                    bucket: "/tmp/jc-fixtures/objects/", blockSizeKiB: 4096, compression: "none", trashDays: 7))
    }

    @Test func readsTheSessionsOfAMountedVolume() throws {
        let status = try JuiceFSOutput.Status.parse(try Fixture.text("juicefs/status-mounted.json"))
        let session = try #require(status.sessions.first)
        #expect(status.sessions.count == 1)
        #expect(session.sid == 1)
        #expect(session.processID == 13855)
        #expect(session.mountPoint == "/tmp/jc-fixtures/mnt")
        #expect(session.hostName == "vm")
        #expect(session.expire == "2026-11-25T22:17:56Z")
    }

    @Test func treatsAMissingCompressionAsNone() throws {
        let text = #"{"Setting":{"Name":"v","UUID":"u","Storage":"file","Bucket":"/b/","BlockSize":1024,"TrashDays":0},"Sessions":[]}"#
        #expect(try JuiceFSOutput.Status.parse(text).setting.formatInfo.compression == "none")
    }

    @Test func rejectsTextThatIsNoStatus() {
        #expect(throws: (any Error).self) { try JuiceFSOutput.Status.parse("") }
        #expect(throws: (any Error).self) { try JuiceFSOutput.Status.parse(#"{"Sessions":[]}"#) }
    }

    @Test func readsPidsHeartbeatAndFormatOfARealMountConfig() throws {
        let config = try JuiceFSOutput.MountConfig.parse(try Fixture.data("host/mount-config.json"))
        #expect(config.pid == 13855)
        #expect(config.ppid == 13846)
        #expect(config.meta?.heartbeat == 2_000_000_000)
        #expect(config.meta?.mountPoint == "/tmp/jc-fixtures/mnt")
        #expect(config.format.name == "fixvol")
        #expect(config.format.uuid == "62e7dfea-1d24-47fa-8aaf-090b34a809d6")
        #expect(config.format.blockSize == 4096)
    }
}
