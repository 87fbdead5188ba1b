import Foundation
import Testing

@testable import JuiceCtlCore

/// Blocks writeback staged on this host only: down uploads them before it unmounts, a change of the cache directory
/// uploads them first, and the Durable condition says whether anything is only here.
@Suite("Planner and status: blocks staged by writeback")
struct PlannerStagingTests {
    static let writebackYAML = SpecFixture.yaml(
        """
        mount:
          writeback: true
          uploadDelay: 1h

        """)

    static func staged(_ blocks: Int, in cacheDir: String) -> StagingObservation {
        StagingObservation(blocks: blocks, bytes: Int64(blocks) << 22, oldestAgeSeconds: 42, cacheDir: cacheDir)
    }

    @Test func downFlushesTheStagingOfAWritebackMountBeforeItUnmountsAndStopsNothingEarlier() throws {
        let spec = try SpecFixture.spec(Self.writebackYAML)
        let observation = ObservationFixture.converged(spec) { $0.staging = Self.staged(2, in: spec.mount.cacheDir) }
        let plan = Planner.planDown(spec, observation)
        let kinds = plan.actions.map(\.kind)
        let flush = try #require(kinds.firstIndex(of: .flushStaging), "\(kinds)")
        let unmount = try #require(kinds.firstIndex(of: .unmount), "\(kinds)")
        #expect(flush < unmount)
        #expect(plan.actions[flush].reason.contains("2 blocks (8.0 MiB) are staged on this host only"), "\(plan.actions[flush].reason)")
    }

    @Test func downOfAMountWithoutWritebackAndNothingStagedHasNoFlush() throws {
        let spec = try SpecFixture.spec()
        let observation = ObservationFixture.converged(spec) { $0.staging = Self.staged(0, in: spec.mount.cacheDir) }
        #expect(!Planner.planDown(spec, observation).actions.contains { $0.kind == .flushStaging })
    }

    @Test func downOfAWritebackMountFlushesAlsoWhenTheMountDidNotSay() throws {
        let spec = try SpecFixture.spec(Self.writebackYAML)
        let plan = Planner.planDown(spec, ObservationFixture.converged(spec))
        #expect(plan.actions.first { $0.kind == .flushStaging }?.reason.contains("may have staged") == true)
    }

    @Test func aCacheDirChangeWhileBlocksAreStagedUploadsThemFromTheOldDirectoryFirstAndThePlanSaysSo() throws {
        let old = try SpecFixture.spec(Self.writebackYAML)
        let spec = try SpecFixture.spec(
            Self.writebackYAML.replacingOccurrences(of: "  uploadDelay: 1h", with: "  uploadDelay: 1h\n  cacheDir: /srv/fast-cache"))
        let observation = ObservationFixture.converged(old) {
            $0.staging = Self.staged(3, in: old.mount.cacheDir)
        }
        let plan = Planner.plan(spec, observation)
        let kinds = plan.actions.map(\.kind)
        let flush = try #require(kinds.firstIndex(of: .flushStaging), "\(kinds)")
        let remount = try #require(kinds.firstIndex { $0 == .remount || $0 == .remountInPlace }, "\(kinds)")
        #expect(flush < remount)
        #expect(plan.actions[flush].target == old.mount.cacheDir)
        #expect(
            PlanRenderer.human([plan]).contains("mount.cacheDir changes while 3 blocks (12.0 MiB) are staged"),
            "\(PlanRenderer.human([plan]))")
    }

    @Test func aCacheDirChangeWithNothingStagedIsOnlyTheRemount() throws {
        let old = try SpecFixture.spec(Self.writebackYAML)
        let spec = try SpecFixture.spec(
            Self.writebackYAML.replacingOccurrences(of: "  uploadDelay: 1h", with: "  uploadDelay: 1h\n  cacheDir: /srv/fast-cache"))
        let plan = Planner.plan(spec, ObservationFixture.converged(old) { $0.staging = Self.staged(0, in: old.mount.cacheDir) })
        #expect(!plan.actions.contains { $0.kind == .flushStaging }, "\(plan.actions.map(\.kind))")
    }

    @Test func durableSaysWhatIsOnlyOnThisHost() throws {
        let spec = try SpecFixture.spec(Self.writebackYAML)
        func durable(_ change: (inout VolumeObservation) -> Void) -> Condition? {
            let observation = ObservationFixture.converged(spec, change)
            return VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation)).conditions.first {
                $0.type == .durable
            }
        }
        let staged = try #require(durable { $0.staging = Self.staged(2, in: spec.mount.cacheDir) })
        #expect(!staged.status && staged.reason == .durable(.blocksStaged))
        #expect(staged.message.contains("2 blocks (8.0 MiB)") && staged.message.contains("42 s ago"), "\(staged.message)")
        let unknown = try #require(durable { $0.staging = nil })
        #expect(!unknown.status && unknown.reason == .durable(.stagingUnknown))
        let clean = try #require(durable { $0.staging = Self.staged(0, in: spec.mount.cacheDir) })
        #expect(clean.status && clean.reason == .durable(.nothingLocal), "\(clean.message)")
    }

    @Test func durableOfAReplicatedVolumeFollowsTheReplica() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.yaml(
                """
                backup:
                  replica:
                    type: file
                    path: /srv/replica

                """))
        func durable(_ change: (inout VolumeObservation) -> Void) -> Condition? {
            let observation = ObservationFixture.converged(spec, change)
            return VolumeStatus(spec: spec, observation: observation, plan: Planner.plan(spec, observation)).conditions.first {
                $0.type == .durable
            }
        }
        #expect(durable { _ in }?.reason == .durable(.nothingLocal))
        let behind = try #require(
            durable {
                $0.backup?.replicaTXID = 0x20
                $0.backup?.replicaAgeSeconds = 30
            })
        #expect(
            !behind.status && behind.reason == .durable(.replicaBehind) && behind.message.contains("10 transaction(s)"),
            "\(behind.message)")
        #expect(durable { $0.backup?.process = .stopped }?.reason == .durable(.notReplicating))
        #expect(durable { $0.backup?.replicaTXID = nil }?.reason == .durable(.noReplica))
        var observed = try #require(ObservationFixture.replicating(spec))
        observed.replicaTXID = 0x20
        observed.replicaAgeSeconds = 30
        #expect(observed.lagSeconds == 30)
    }

    @Test func theMountsStatsGiveTheStagedBlocksAndBytes() {
        let stats = "juicefs_staging_block_bytes 8388608\njuicefs_staging_block_delay_seconds 0\njuicefs_staging_blocks 2\n"
        let counts = StagingObservation.counts(fromStats: stats)
        #expect(counts?.blocks == 2 && counts?.bytes == 8_388_608)
        #expect(StagingObservation.counts(fromStats: "juicefs_uptime 3\n") == nil)
    }
}
