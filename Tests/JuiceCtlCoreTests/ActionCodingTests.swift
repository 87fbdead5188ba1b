import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("Action: payload and JSON form")
struct ActionCodingTests {
    /// The JSON form actions had as a flat struct of optional payloads (synthesized Codable), kept as the reference
    /// the payload enum's Codable must write byte for byte.
    struct FlatAction: Codable {
        var kind: Action.Kind
        var change: Action.Change
        var target: String
        var reason: String
        var disruption: Action.Disruption
        var conditional: Bool
        var quota: VolumeSpec.Quota?
        var changedFlags: [String]?
        var checkpoint: Action.CheckpointRequest?
        var leftover: Leftover?
        var damage: BookkeepingDamage?
        var forceAllowed: Bool

        init(_ action: Action) {
            kind = action.kind
            change = action.change
            target = action.target
            reason = action.reason
            disruption = action.disruption
            conditional = action.conditional
            quota = action.quota
            changedFlags = action.changedFlags
            checkpoint = action.checkpoint
            leftover = action.leftover
            damage = action.damage
            forceAllowed = action.forceAllowed
        }
    }

    /// One payload of every kind, with data where the kind carries some.
    static let payloads: [Action.Payload] = {
        var request = Action.CheckpointRequest(name: "golden", kind: .scheduled, note: "n", pinned: true, labels: ["a": "b"])
        request.durable = true
        return [
            .format, .mount, .remountInPlace(changedFlags: ["cache-size"]), .remountInPlace(changedFlags: nil),
            .remount(changedFlags: ["o"]), .remount(changedFlags: nil), .recoverStaleMount, .unmount(forceAllowed: true),
            .unmount(forceAllowed: false), .flushStaging, .createDirectory, .secureDirectory,
            .setQuota(VolumeSpec.Quota(path: "/active/fs", capacity: .tebibytes(2), inodes: 10)),
            .setQuota(VolumeSpec.Quota(path: "/active/x", capacity: nil, inodes: 5)), .removeQuota, .createCheckpoint(request),
            .deleteCheckpoint(.init(name: "old", force: true)), .restore(.init(name: "golden", requestId: "r1")),
            .resumeRestore(.init(name: "golden", requestId: "r1")),
            .removeLeftover(Leftover(path: "/checkpoints/.juicectl/staging/x", kind: .staging)),
            .repairBookkeeping(BookkeepingDamage(kind: .lineageEmpty, path: VolumeLayout.lineage, detail: "the file is empty")),
            .thawOverlay, .thawCgroups, .createOverlayImage, .quarantineOverlayImage, .mountOverlayUpper, .mountOverlay,
            .unmountOverlay(forceAllowed: true), .unmountOverlayUpper(forceAllowed: false), .detachLoopDevice, .restoreMetadata,
            .refreshMetadata, .startBackup, .restartBackup, .stopBackup, .claimOwnership, .releaseOwnership, .fenceVolume,
        ]
    }()

    static var actions: [Action] {
        payloads.map { Action($0, .update, target: "/t", reason: "because", disruption: .brief, conditional: true) }
    }

    @Test func theSamplesCoverEveryKind() {
        #expect(Set(Self.payloads.map(\.kind)) == Set(Action.Kind.allCases))
    }

    @Test("an action's JSON (keys sorted, as every document juicectl writes) is the flat form of before, byte for byte")
    func jsonIsTheFlatForm() {
        for action in Self.actions {
            #expect(PlanRenderer.encode(action) == PlanRenderer.encode(FlatAction(action)), "\(action.kind)")
        }
    }

    @Test("a quota step's JSON names its kind and quota beside the flat keys")
    func quotaJSON() {
        let action = Action(
            .setQuota(VolumeSpec.Quota(path: "/active/fs", capacity: nil, inodes: 10)), .create, target: "/active/fs", reason: "r")
        #expect(
            PlanRenderer.encode(action) == """
                {
                  "change" : "create",
                  "conditional" : false,
                  "disruption" : "none",
                  "forceAllowed" : false,
                  "kind" : "set-quota",
                  "quota" : {
                    "inodes" : 10,
                    "path" : "/active/fs"
                  },
                  "reason" : "r",
                  "target" : "/active/fs"
                }

                """)
    }

    @Test("every action decodes back to itself")
    func roundTrip() throws {
        for action in Self.actions {
            #expect(try JSONDecoder().decode(Action.self, from: JSONEncoder().encode(action)) == action, "\(action.kind)")
        }
    }

    @Test("a kind without the data it needs does not decode")
    func missingPayloadDoesNotDecode() throws {
        var flat = FlatAction(Action(.setQuota(.init(path: "/p", capacity: nil, inodes: 1)), .create, target: "/p", reason: "r"))
        flat.quota = nil
        let data = try JSONEncoder().encode(flat)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Action.self, from: data) }
    }

    @Test("the payload gives the kind, and only its own data")
    func payloadReadings() {
        let unmount = Action(.unmountOverlay(forceAllowed: true), .delete, target: "/o", reason: "r")
        #expect(unmount.kind == .unmountOverlay && unmount.forceAllowed)
        #expect(unmount.quota == nil && unmount.checkpoint == nil && unmount.changedFlags == nil)
        let mount = Action(.mount, .create, target: "/m", reason: "r")
        #expect(!mount.forceAllowed && mount.leftover == nil && mount.damage == nil)
    }
}
