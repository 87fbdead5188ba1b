import Foundation
import JuiceCtlCore
import Testing

@Suite("ConflictCode")
struct ConflictCodeTests {
    @Test func eachCodeIsSpelledAsPlanAndStatusJSONSpellIt() {
        #expect(
            ConflictCode.allCases.map(\.rawValue) == [
                "VolumeOwnedElsewhere", "OwnershipUnreadable", "ReplicaUnreadable", "RefuseFormatOverData", "StorageUnreadable",
                "MetadataUnreadable", "VolumeNameMismatch", "StorageBelongsToOtherVolume", "FormatSettingChanged", "StorageMissing",
                "MountUnresponsive", "MountPointOccupied", "UnsafeVolumeEntry", "NotADirectory", "BookkeepingDamaged",
                "OverlayLowerDirMissing", "OverlayImageCorrupt", "OverlayUpperOccupied", "OverlayTargetOccupied",
                "RestoreTargetMissing", "RestoreTargetInUse",
            ])
        #expect(ConflictCode.allCases.allSatisfy { $0.description == $0.rawValue })
    }

    @Test func onlyServersAndClientsThatDoNotAnswerNowAreTransient() {
        #expect(
            Set(ConflictCode.allCases.filter(\.isTransient)) == [
                .mountUnresponsive, .metadataUnreadable, .storageUnreadable, .replicaUnreadable, .ownershipUnreadable,
            ])
    }

    @Test func aConflictEncodesItsCodeAsTheString() throws {
        let conflict = Conflict(code: .refuseFormatOverData, target: "storage", message: "m", blocking: true)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(conflict)) as? [String: Any]
        #expect(object?["code"] as? String == "RefuseFormatOverData")
        #expect(try JSONDecoder().decode(Conflict.self, from: JSONEncoder().encode(conflict)) == conflict)
    }
}
