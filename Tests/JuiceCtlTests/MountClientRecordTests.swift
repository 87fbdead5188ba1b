import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// The flags of a mount juicectl started come from its record, not from the process title juicefs rewrites (and
/// cuts short on long command lines).
@Suite("Mount client record")
struct MountClientRecordTests {
    /// The live mount's flags as observed, for a spec asking `heartbeat: 3s`, with a record naming `recordedPID`; the
    /// fixture's process title has no --heartbeat (as if juicefs had cut it off). Also the spec's own flags.
    private func observedFlags(recordedPID: Int32, base: String) async throws -> (live: [String], desired: [String]) {
        let scenario = try VolumeScenario(baseDir: base, "mount:\n  options:\n    heartbeat: 3s\n")
        try scenario.metadataFileExists()
        try scenario.installLiveMount()
        scenario.installVolumeDirectories()
        let desired = MountCommand.arguments(for: scenario.spec)
        try scenario.stateStore.update { $0.mountClient = .init(pid: recordedPID, arguments: desired) }
        let observation = await scenario.observer.observe(scenario.spec)
        return (try #require(observation.mount.live?.arguments), desired)
    }

    @Test func theRecordedClientsFlagsAreReadInsteadOfItsCutShortProcessTitle() async throws {
        try await withTemporaryDirectory { base in
            let (live, desired) = try await observedFlags(recordedPID: VolumeScenario.pid, base: base)
            #expect(live.contains("--heartbeat=3s"))
            #expect(MountCommand.changedFlags(live: live, desired: desired).isEmpty)
        }
    }

    @Test func anotherClientThanTheRecordedOneIsReadFromItsProcessTitle() async throws {
        try await withTemporaryDirectory { base in
            let (live, desired) = try await observedFlags(recordedPID: 4242, base: base)
            #expect(!live.contains("--heartbeat=3s"), "read from the process title, which lacks it")
            #expect(MountCommand.changedFlags(live: live, desired: desired).contains("heartbeat"))
        }
    }
}
