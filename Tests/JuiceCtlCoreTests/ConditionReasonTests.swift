import Foundation
import JuiceCtlCore
import Testing

@Suite("ConditionReason and ConditionType")
struct ConditionReasonTests {
    @Test func everyReasonDecodesFromItsSpelling() throws {
        for reason in ConditionReason.allCases {
            let data = try JSONEncoder().encode([reason])
            #expect(String(decoding: data, as: UTF8.self) == "[\"\(reason.rawValue)\"]")
            #expect(try JSONDecoder().decode([ConditionReason].self, from: data) == [reason])
            #expect(ConditionReason(rawValue: reason.rawValue) == reason)
        }
    }

    @Test func reasonsOfOtherDecisionsKeepTheirSpelling() {
        #expect(ConditionReason.conflict(.refuseFormatOverData).rawValue == "RefuseFormatOverData")
        #expect(ConditionReason.durable(.replicaBehind).rawValue == "ReplicaBehind")
        #expect(ConditionReason.restoreShortfall(.quotaNotSet).rawValue == "RestoreQuotaNotSet")
        #expect(ConditionReason.changesPending.description == "ChangesPending")
    }

    @Test func reasonsSpelledTheSameAreEqualWhicheverCaseSpellsThem() {
        #expect(ConditionReason.noReplica == .durable(.noReplica))
        #expect(Set([ConditionReason.noReplica, .durable(.noReplica)]).count == 1)
        #expect(ConditionReason.staleMount != .conflict(.mountUnresponsive))
        let shared = Dictionary(grouping: ConditionReason.allCases.map(\.rawValue), by: { $0 }).filter { $0.value.count > 1 }.keys
        #expect(Array(shared) == ["NoReplica"], "only BackupFresh and Durable share a spelling")
    }

    @Test func anUnknownReasonIsAnError() {
        #expect(ConditionReason(rawValue: "NoSuchReason") == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ConditionReason].self, from: Data(#"["NoSuchReason"]"#.utf8)) }
    }

    @Test func conditionTypesAreSpelledAsStatusJSONSpellsThem() {
        #expect(
            ConditionType.allCases.map(\.rawValue) == [
                "Ready", "Degraded", "SandboxFrozen", "BackupFresh", "Durable", "Suspended", "Stalled",
            ])
    }
}
