import Foundation
import Testing

@testable import JuiceCtlCore

@Suite("PlanRenderer")
struct PlanRendererTests {
    /// A plan with one action of each change and one conflict of each kind.
    static func mixedPlan() throws -> VolumePlan {
        let spec = try SpecFixture.spec()
        return VolumePlan(
            spec: spec,
            actions: [
                Action(.createDirectory, .create, target: "/active", reason: "/active does not exist on the volume"),
                Action(.setQuota(.original), .create, target: "/active/fs", reason: "quotas could not be read", conditional: true),
                Action(
                    .remountInPlace(changedFlags: ["cache-size"]), .update, target: "/srv/demo/data",
                    reason: "mount option(s) cache-size differ", disruption: .brief),
                Action(
                    .remount(changedFlags: nil), .replace, target: "/srv/demo/data", reason: "2 mounts are stacked",
                    disruption: .interrupting),
                Action(
                    .unmount(forceAllowed: false), .delete, target: "/mnt/old", reason: "juicectl mounted this volume at /mnt/old before",
                    disruption: .interrupting),
            ],
            conflicts: [
                Conflict(
                    code: .mountPointOccupied, target: "/srv/demo/data", message: "it holds ext4", hint: "unmount it", blocking: true),
                Conflict(code: .formatSettingChanged, target: "format.trashDays", message: "trash is 1 day", blocking: false),
            ])
    }

    @Test("the human form shows +, ~, -/+ and - with labels, targets, notes and reasons")
    func humanSymbols() throws {
        let text = PlanRenderer.human([try Self.mixedPlan()])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("Volume demo (spec.yaml, revision ") == true)
        #expect(lines.contains("  +   directory        /active"))
        #expect(lines.contains("        /active does not exist on the volume"))
        #expect(lines.contains("  +   quota            /active/fs  [if still needed]"))
        #expect(lines.contains("  ~   remount in place /srv/demo/data  [disruption: brief]"))
        #expect(lines.contains("  -/+ unmount+mount    /srv/demo/data  [disruption: interrupting]"))
        #expect(lines.contains("  -   unmount          /mnt/old  [disruption: interrupting]"))
        #expect(!text.contains("No changes"))
    }

    @Test("the human form ends with a summary line counting each change and the conflicts")
    func humanSummary() throws {
        let text = PlanRenderer.human([try Self.mixedPlan()])
        #expect(text.hasSuffix("Plan: 2 to create, 1 to change, 1 to replace, 1 to remove. 2 conflict(s) need attention.\n"))
    }

    @Test("conflicts are shown as blocked or conflict, with their hint")
    func humanConflicts() throws {
        let text = PlanRenderer.human([try Self.mixedPlan()])
        #expect(text.contains("  ! blocked /srv/demo/data: it holds ext4\n        hint: unmount it\n"))
        #expect(text.contains("  ! conflict format.trashDays: trash is 1 day\n"))
    }

    @Test("a fresh volume's plan counts six creations and the root's mode change")
    func humanFresh() throws {
        let spec = try SpecFixture.spec()
        let text = PlanRenderer.human([Planner.plan(spec, ObservationFixture.fresh())])
        #expect(text.contains("  +   format           demo\n"))
        #expect(text.hasSuffix("Plan: 6 to create, 1 to change, 0 to replace, 0 to remove.\n"))
    }

    @Test("a converged volume says No changes, for one volume and for several")
    func humanConverged() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, ObservationFixture.converged(spec))
        let one = PlanRenderer.human([plan])
        #expect(one.contains("  No changes: the volume is converged.\n"))
        #expect(one.hasSuffix("No changes. The volume is converged.\n"))
        #expect(!one.contains("Plan:"))
        #expect(PlanRenderer.human([plan, plan]).hasSuffix("No changes. All 2 volumes are converged.\n"))
    }

    @Test("a plan with only conflicts is not called converged")
    func humanOnlyConflicts() throws {
        let spec = try SpecFixture.spec()
        let plan = Planner.plan(spec, VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "u"), mount: .absent))
        let text = PlanRenderer.human([plan])
        #expect(!text.contains("No changes"))
        #expect(text.contains("  ! blocked /srv/demo/objects/: "))
        #expect(text.hasSuffix("Plan: 0 to create, 0 to change, 0 to replace, 0 to remove. 1 conflict(s) need attention.\n"))
    }

    @Test("warnings are printed before the summary")
    func humanWarnings() throws {
        let spec = try SpecFixture.spec()
        let warning = Diagnostic(.warning, at: .init(file: "spec.yaml", line: 5, column: 1), path: "overlay", "'overlay' is reserved")
        let text = PlanRenderer.human([Planner.plan(spec, ObservationFixture.converged(spec))], warnings: [warning])
        #expect(text.contains("warning: spec.yaml:5:1: warning: overlay: 'overlay' is reserved\nNo changes."))
    }

    @Test("the JSON form has formatVersion 1 and parses with JSONSerialization")
    func json() throws {
        let spec = try SpecFixture.spec()
        let text = PlanRenderer.json([Planner.plan(spec, ObservationFixture.fresh())])
        #expect(text.hasSuffix("}\n"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["formatVersion"] as? Int == 1)
        let volumes = try #require(document["volumes"] as? [[String: Any]])
        let volume = try #require(volumes.first)
        #expect(volume["name"] as? String == "demo")
        #expect(volume["file"] as? String == "spec.yaml")
        #expect(volume["revision"] as? String == spec.origin.revision)
        #expect(volume["converged"] as? Bool == false)
        let actions = try #require(volume["actions"] as? [[String: Any]])
        #expect(
            actions.map { $0["kind"] as? String } == [
                "format", "mount", "secure-directory", "create-directory", "create-directory", "create-directory", "set-quota",
            ])
        #expect(actions.first?["symbol"] as? String == "+")
        #expect(actions.first?["change"] as? String == "create")
        #expect(actions.first?["disruption"] as? String == "none")
        let quota = try #require(actions.last?["quota"] as? [String: Any])
        #expect(quota["path"] as? String == "/active/fs")
        #expect(quota["capacity"] as? String == "10TiB")
        #expect((quota["capacityBytes"] as? NSNumber)?.uint64Value == 10 << 40)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["create"] as? Int == 6)
        #expect(summary["conflicts"] as? Int == 0)
    }

    @Test("the JSON form carries conflicts, changed flags and warnings")
    func jsonConflicts() throws {
        let warning = Diagnostic(.warning, at: .init(file: "spec.yaml", line: 5, column: 1), path: "overlay", "reserved")
        let text = PlanRenderer.json([try Self.mixedPlan()], warnings: [warning])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let volume = try #require((document["volumes"] as? [[String: Any]])?.first)
        let conflicts = try #require(volume["conflicts"] as? [[String: Any]])
        #expect(conflicts.map { $0["code"] as? String } == ["MountPointOccupied", "FormatSettingChanged"])
        #expect(conflicts.map { $0["blocking"] as? Bool } == [true, false])
        let actions = try #require(volume["actions"] as? [[String: Any]])
        #expect(actions.map { $0["symbol"] as? String } == ["+", "+", "~", "-/+", "-"])
        #expect(actions[2]["changedFlags"] as? [String] == ["cache-size"])
        #expect(actions[1]["conditional"] as? Bool == true)
        #expect(document["warnings"] as? [String] == ["spec.yaml:5:1: warning: overlay: reserved"])
    }

    @Test("the summary counts actions by change over several plans")
    func summary() throws {
        let plan = try Self.mixedPlan()
        let summary = PlanRenderer.Summary([plan, plan])
        #expect(summary.create == 4)
        #expect(summary.update == 2)
        #expect(summary.replace == 2)
        #expect(summary.delete == 2)
        #expect(summary.conflicts == 4)
        #expect(!summary.isEmpty)
        #expect(PlanRenderer.Summary([]).isEmpty)
    }

    @Test("every action kind has a short label", arguments: Action.Kind.allCases)
    func labels(kind: Action.Kind) {
        let label = PlanRenderer.label(kind)
        #expect(!label.isEmpty)
        #expect(label.count <= 20)
    }

    @Test(
        "change symbols follow Terraform",
        arguments: [
            (Action.Change.create, "+"), (.update, "~"), (.replace, "-/+"), (.delete, "-"),
        ])
    func symbols(change: Action.Change, symbol: String) {
        #expect(change.symbol == symbol)
    }
}
