import Foundation
@testable import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

/// The flags of a mount juicectl started come from its record, not from the process title juicefs rewrites (and
/// cuts short on long command lines).
@Suite("Mount client record")
struct MountClientRecordTests {
    static let heartbeat = "mount:\n  options:\n    heartbeat: 3s\n"

    @Test func theRecordedClientsFlagsAreReadInsteadOfItsCutShortProcessTitle() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base, Self.heartbeat)
            try scenario.metadataFileExists()
            try scenario.installLiveMount()
            scenario.installVolumeDirectories()
            // The fixture's process title has no --heartbeat: as if juicefs had cut it off.
            try scenario.stateStore.update {
                $0.mountClient = .init(pid: VolumeScenario.pid, arguments: MountCommand.arguments(for: scenario.spec))
            }
            let observation = await scenario.observer.observe(scenario.spec)
            let arguments = try #require(observation.mount.live?.arguments)
            #expect(arguments.contains("--heartbeat=3s"))
            #expect(MountCommand.changedFlags(live: arguments, desired: MountCommand.arguments(for: scenario.spec)).isEmpty)
        }
    }

    @Test func anotherClientThanTheRecordedOneIsReadFromItsProcessTitle() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base, Self.heartbeat)
            try scenario.metadataFileExists()
            try scenario.installLiveMount()
            scenario.installVolumeDirectories()
            try scenario.stateStore.update {
                $0.mountClient = .init(pid: 4242, arguments: MountCommand.arguments(for: scenario.spec))
            }
            let observation = await scenario.observer.observe(scenario.spec)
            let arguments = try #require(observation.mount.live?.arguments)
            #expect(!arguments.contains("--heartbeat=3s"), "read from the process title, which lacks it")
            #expect(MountCommand.changedFlags(live: arguments, desired: MountCommand.arguments(for: scenario.spec)).contains("heartbeat"))
        }
    }
}
