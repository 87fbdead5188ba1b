import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@testable import JuiceCtl

/// A clock whose date moves on by one second at every reading, counting the readings: a part that read the date on
/// its own would be stamped later than the first reading.
private final class SteppingDates: Sendable {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    private let readings = Mutex(0)

    /// How often the date was read.
    var count: Int { readings.withLock { $0 } }

    var clock: HostClock {
        HostClock(
            date: { [self] in
                readings.withLock { count in
                    defer { count += 1 }
                    return start.addingTimeInterval(TimeInterval(count))
                }
            },
            now: { .zero },
            sleep: { _ in })
    }
}

@Suite("VolumeObserver clock")
struct VolumeObserverClockTests {
    @Test func oneObservationJudgesEveryPartAgainstTheSameInstant() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installConvergedVolume()
            try scenario.installReplicatingLitestream()
            let dates = SteppingDates()
            let now = dates.start
            // Litestream started 100 s before the observation, its newest replica file is 30 s old.
            let config = try #require(LitestreamConfig.text(for: scenario.spec))
            try scenario.recordLitestream(
                pid: VolumeScenario.litestreamPID, digest: LitestreamConfig.digest(config), started: now.addingTimeInterval(-100))
            let replicaFile = "\(try #require(scenario.spec.backup?.replicaPath))/ltx/0/\(VolumeScenario.ltxName(1, 7))"
            scenario.host.update { $0.modificationDates[replicaFile] = now.addingTimeInterval(-30) }
            // A quota juicectl set 2 s before, which statfs does not show yet.
            scenario.setStatfs("/active/fs", try #require(try StatfsFixture.load("host/statfs.txt")["/noquota"]))
            try scenario.stateStore.update { state in
                state.quotas["/active/fs"] = .init(
                    capacity: ByteSize.tebibytes(10).bytes, inodes: nil, setAt: now.addingTimeInterval(-2))
            }
            // One block staged 50 s before.
            scenario.host.setFile(
                "\(scenario.mountPath)/.stats", text: "juicefs_staging_blocks 1\njuicefs_staging_block_bytes 4194304\n")
            let block = "\(scenario.spec.mount.cacheDir)/\(VolumeScenario.uuid)/rawstaging/chunks/0/0/1_0_4194304"
            scenario.host.setFile(block, Data())
            scenario.host.update { $0.modificationDates[block] = now.addingTimeInterval(-50) }
            let observer = VolumeObserver(
                host: scenario.host, juicefs: JuiceFSClient(runner: scenario.runner, executable: VolumeScenario.tools.juicefs),
                clock: dates.clock)

            let observation = await observer.observe(scenario.spec)

            #expect(dates.count == 1)
            #expect(observation.now == now)
            let backup = try #require(observation.backup)
            #expect(backup.runningSeconds == 100)
            #expect(backup.replicaAgeSeconds == 30)
            #expect(observation.quotas?["/active/fs"]?.source == "juicectl state: set and verified 2 s ago")
            #expect(observation.staging?.oldestAgeSeconds == 50)
        }
    }

    @Test func probesAreTimedOnTheClocksMonotonicTime() async throws {
        let ticks = Mutex(Duration.zero)
        let clock = HostClock(
            date: { Date(timeIntervalSince1970: 0) },
            now: {
                ticks.withLock { tick in
                    defer { tick += .milliseconds(3) }
                    return tick
                }
            },
            sleep: { _ in })
        var recorder = ProbeRecorder(clock: clock)

        _ = recorder.measure("state file") { true }

        #expect(recorder.records == [ProbeRecord(source: "state file", microseconds: 3000, ok: true)])
    }

    @Test func aProbeAnswersUnlessItsResultSaysOtherwise() async {
        var recorder = ProbeRecorder(clock: .system)

        _ = recorder.measure("missing") { Int?.none }
        _ = recorder.measure("present") { Int?.some(1) }
        _ = recorder.measure("stat timed out") { PathStatus.timedOut }
        _ = recorder.measure("stat failed") { PathStatus.failed(errno: ENOENT, message: "No such file or directory") }
        _ = recorder.measure("read timed out") { FileReadAnswer.timedOut }
        _ = recorder.measure("engine unreadable") { MetadataState.unreadable("connection refused") }
        _ = recorder.measure("engine unformatted") { MetadataState.unformatted }
        _ = recorder.measure("a list") { [String]() }
        await recorder.measureStep("a step") {}

        let answered = Dictionary(uniqueKeysWithValues: recorder.records.map { ($0.source, $0.ok) })
        #expect(
            answered == [
                "missing": false, "present": true, "stat timed out": false, "stat failed": true, "read timed out": false,
                "engine unreadable": false, "engine unformatted": true, "a list": true, "a step": true,
            ])
    }
}
