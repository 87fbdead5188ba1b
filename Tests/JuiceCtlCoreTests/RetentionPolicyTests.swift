import Foundation
import Testing

@testable import JuiceCtlCore

/// Checkpoints and a policy, and the verdict: which stay (each with exactly the reasons that keep it) and which go.
struct RetentionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var policy: RetentionPolicy
    var entries: [CheckpointEntry]
    /// Kept checkpoints with their reasons, in the order the policy gives them.
    var kept: [String: [String]]
    /// Pruned checkpoints.
    var pruned: [String]

    var testDescription: String { name }
}

private func cp(_ name: String, _ created: String, kind: CheckpointKind = .scheduled, pinned: Bool = false) -> CheckpointEntry {
    CheckpointFixture.entry(name, created, kind: kind, pinned: pinned)
}

extension RetentionCase {
    static let rules: [RetentionCase] = [
        RetentionCase(
            name: "last N keeps the newest N",
            policy: RetentionPolicy(last: 3),
            entries: [
                cp("c1", "2026-11-20 06:00"), cp("c2", "2026-11-20 07:00"), cp("c3", "2026-11-20 08:00"),
                cp("c4", "2026-11-20 09:00"), cp("c5", "2026-11-20 10:00"),
            ],
            kept: ["c5": ["newest checkpoint", "last 3 (#1)"], "c4": ["last 3 (#2)"], "c3": ["last 3 (#3)"]],
            pruned: ["c2", "c1"]),
        RetentionCase(
            name: "hourly keeps the newest of each of the last N hours",
            policy: RetentionPolicy(hourly: 2),
            entries: [
                cp("h1", "2026-11-20 10:05"), cp("h2", "2026-11-20 10:35"), cp("h3", "2026-11-20 11:10"),
                cp("h4", "2026-11-20 11:50"), cp("h5", "2026-11-20 12:20"),
            ],
            kept: ["h5": ["newest checkpoint", "hourly 2026-11-20 12h (1 of 2)"], "h4": ["hourly 2026-11-20 11h (2 of 2)"]],
            pruned: ["h3", "h2", "h1"]),
        RetentionCase(
            name: "daily counts only days that have a checkpoint, newest of each",
            policy: RetentionPolicy(daily: 7),
            entries: [
                cp("d1", "2026-11-10 09:00"), cp("d2", "2026-11-20 08:00"), cp("d3", "2026-11-20 20:00"),
                cp("d4", "2026-11-22 07:00"), cp("d5", "2026-11-22 06:00"),
            ],
            kept: [
                "d4": ["newest checkpoint", "daily 2026-11-22 (1 of 7)"], "d3": ["daily 2026-11-20 (2 of 7)"],
                "d1": ["daily 2026-11-10 (3 of 7)"],
            ],
            pruned: ["d5", "d2"]),
        RetentionCase(
            name: "daily stops after N days that have checkpoints, however far apart",
            policy: RetentionPolicy(daily: 2),
            entries: [
                cp("d1", "2026-11-18 09:00"), cp("d2", "2026-11-20 08:00"), cp("d3", "2026-11-20 20:00"), cp("d4", "2026-11-22 07:00"),
            ],
            kept: ["d4": ["newest checkpoint", "daily 2026-11-22 (1 of 2)"], "d3": ["daily 2026-11-20 (2 of 2)"]],
            pruned: ["d2", "d1"]),
        RetentionCase(
            name: "weekly uses ISO weeks: the Monday after a year's last Sunday belongs to the next year's week 1",
            policy: RetentionPolicy(weekly: 2),
            entries: [cp("sun", "2024-12-29 12:00"), cp("mon", "2024-12-30 12:00"), cp("thu", "2025-01-02 12:00")],
            kept: ["thu": ["newest checkpoint", "weekly 2025-W01 (1 of 2)"], "sun": ["weekly 2024-W52 (2 of 2)"]],
            pruned: ["mon"]),
        RetentionCase(
            name: "weekly: the first days of a January can belong to the last year's week 53",
            policy: RetentionPolicy(weekly: 3),
            entries: [
                cp("w53a", "2026-12-28 08:00"), cp("w53b", "2027-01-03 08:00"), cp("w01", "2027-01-04 08:00"),
                cp("w52", "2026-12-27 08:00"),
            ],
            kept: [
                "w01": ["newest checkpoint", "weekly 2027-W01 (1 of 3)"], "w53b": ["weekly 2026-W53 (2 of 3)"],
                "w52": ["weekly 2026-W52 (3 of 3)"],
            ],
            pruned: ["w53a"]),
        RetentionCase(
            name: "monthly keeps the newest of each of the last N months that have one",
            policy: RetentionPolicy(monthly: 3),
            entries: [
                cp("jul", "2026-07-31 23:59"), cp("aug", "2026-08-15 00:00"), cp("sep1", "2026-09-01 00:00"),
                cp("sep30", "2026-09-30 23:00"), cp("nov2", "2026-11-02 00:00"), cp("nov20", "2026-11-20 00:00"),
            ],
            kept: [
                "nov20": ["newest checkpoint", "monthly 2026-11 (1 of 3)"], "sep30": ["monthly 2026-09 (2 of 3)"],
                "aug": ["monthly 2026-08 (3 of 3)"],
            ],
            pruned: ["nov2", "sep1", "jul"]),
        RetentionCase(
            name: "rules add up and a checkpoint kept by several lists every rule",
            policy: RetentionPolicy(last: 1, hourly: 1, daily: 2, monthly: 2),
            entries: [cp("a", "2026-10-05 10:00"), cp("b", "2026-11-19 09:00"), cp("c", "2026-11-20 09:30"), cp("d", "2026-11-20 10:15")],
            kept: [
                "d": [
                    "newest checkpoint", "last 1 (#1)", "hourly 2026-11-20 10h (1 of 1)", "daily 2026-11-20 (1 of 2)",
                    "monthly 2026-11 (1 of 2)",
                ],
                "b": ["daily 2026-11-19 (2 of 2)"], "a": ["monthly 2026-10 (2 of 2)"],
            ],
            pruned: ["c"]),
        RetentionCase(
            name: "the newest checkpoint is kept even when no rule keeps it",
            policy: RetentionPolicy(),
            entries: [cp("old", "2026-11-19 10:00"), cp("new", "2026-11-20 10:00")],
            kept: ["new": ["newest checkpoint"]],
            pruned: ["old"]),
        RetentionCase(
            name: "pre-restore checkpoints are pruned like scheduled ones",
            policy: RetentionPolicy(last: 1),
            entries: [cp("pre-restore-20261119T100000Z", "2026-11-19 10:00", kind: .preRestore), cp("s", "2026-11-20 10:00")],
            kept: ["s": ["newest checkpoint", "last 1 (#1)"]],
            pruned: ["pre-restore-20261119T100000Z"]),
    ]

    static let exemptions: [RetentionCase] = [
        RetentionCase(
            name: "pinned checkpoints are never pruned and do not take a place in last N",
            policy: RetentionPolicy(last: 2),
            entries: [
                cp("a", "2026-11-20 06:00"), cp("b", "2026-11-20 07:00"), cp("pin", "2026-11-20 08:00", pinned: true),
                cp("c", "2026-11-20 09:00"),
            ],
            kept: ["c": ["newest checkpoint", "last 2 (#1)"], "pin": ["pinned"], "b": ["last 2 (#2)"]],
            pruned: ["a"]),
        RetentionCase(
            name: "prunePinned lets retention remove pinned checkpoints",
            policy: RetentionPolicy(last: 1, prunePinned: true),
            entries: [cp("pin", "2026-11-20 08:00", pinned: true), cp("c", "2026-11-20 09:00")],
            kept: ["c": ["newest checkpoint", "last 1 (#1)"]],
            pruned: ["pin"]),
        RetentionCase(
            name: "manual checkpoints are never pruned by default",
            policy: RetentionPolicy(last: 1),
            entries: [cp("mine", "2026-11-19 08:00", kind: .manual), cp("s1", "2026-11-20 08:00"), cp("s2", "2026-11-20 09:00")],
            kept: ["s2": ["newest checkpoint", "last 1 (#1)"], "mine": ["manual (retain.pruneManual is false)"]],
            pruned: ["s1"]),
        RetentionCase(
            name: "pruneManual lets retention remove manual checkpoints",
            policy: RetentionPolicy(last: 1, pruneManual: true),
            entries: [cp("mine", "2026-11-19 08:00", kind: .manual), cp("s2", "2026-11-20 09:00")],
            kept: ["s2": ["newest checkpoint", "last 1 (#1)"]],
            pruned: ["mine"]),
        RetentionCase(
            name: "a pinned manual checkpoint stays with pruneManual alone",
            policy: RetentionPolicy(last: 1, pruneManual: true),
            entries: [cp("mine", "2026-11-19 08:00", kind: .manual, pinned: true), cp("s2", "2026-11-20 09:00")],
            kept: ["s2": ["newest checkpoint", "last 1 (#1)"], "mine": ["pinned"]],
            pruned: []),
        RetentionCase(
            name: "a pinned newest checkpoint is kept as pinned and newest; last N counts the others",
            policy: RetentionPolicy(last: 1),
            entries: [cp("a", "2026-11-20 07:00"), cp("b", "2026-11-20 08:00"), cp("pin", "2026-11-20 09:00", pinned: true)],
            kept: ["pin": ["pinned", "newest checkpoint"], "b": ["last 1 (#1)"]],
            pruned: ["a"]),
        RetentionCase(
            name: "checkpoints without a manifest are never pruned, whatever the flags",
            policy: RetentionPolicy(last: 1, pruneManual: true, prunePinned: true),
            entries: [
                CheckpointFixture.bare("handmade"), cp("s1", "2026-11-20 08:00"), cp("s2", "2026-11-20 09:00"),
                CheckpointFixture.bare("from-original"),
            ],
            kept: [
                "s2": ["newest checkpoint", "last 1 (#1)"], "handmade": ["no manifest: retention never removes it"],
                "from-original": ["no manifest: retention never removes it"],
            ],
            pruned: ["s1"]),
    ]
}

@Suite("Retention policy")
struct RetentionPolicyTests {
    static func check(_ row: RetentionCase) {
        let decisions = row.policy.decide(row.entries)
        #expect(decisions.count == row.entries.count, "one decision per checkpoint")
        #expect(Set(decisions.map(\.name)) == Set(row.entries.map(\.name)))
        let kept = Dictionary(uniqueKeysWithValues: decisions.filter(\.keep).map { ($0.name, $0.reasons) })
        #expect(kept == row.kept)
        #expect(decisions.filter { !$0.keep }.map(\.name) == row.pruned, "pruned, newest first")
        for decision in decisions where !decision.keep {
            #expect(decision.reasons == ["no rule keeps it (\(row.policy.summary))"])
        }
    }

    @Test("the rules keep the newest N and the newest per hour, day, ISO week and month", arguments: RetentionCase.rules)
    func rules(row: RetentionCase) { Self.check(row) }

    @Test("pinned, manual and unmanifested checkpoints are exempt unless the policy says otherwise", arguments: RetentionCase.exemptions)
    func exemptions(row: RetentionCase) { Self.check(row) }

    @Test("decisions come newest first, then checkpoints without a manifest by name")
    func order() {
        let decisions = RetentionPolicy(last: 1).decide([
            CheckpointFixture.bare("zeta"), cp("old", "2026-11-01"), CheckpointFixture.bare("alpha"), cp("new", "2026-11-20"),
            cp("mid", "2026-11-10"),
        ])
        #expect(decisions.map(\.name) == ["new", "mid", "old", "alpha", "zeta"])
    }

    @Test("checkpoints taken at the same instant are ordered by name, so the verdict does not depend on listing order")
    func sameInstant() {
        let entries = [cp("a", "2026-11-20 10:00"), cp("b", "2026-11-20 10:00"), cp("c", "2026-11-20 10:00")]
        let forward = RetentionPolicy(last: 1).decide(entries)
        let backward = RetentionPolicy(last: 1).decide(entries.reversed())
        #expect(forward == backward)
        #expect(forward.filter(\.keep).map(\.name) == ["c"])
    }

    @Test(
        "the summary lists the rules in use",
        arguments: [
            (RetentionPolicy(last: 3, hourly: 24, daily: 7), "last 3, hourly 24, daily 7"),
            (RetentionPolicy(weekly: 4, monthly: 12, pruneManual: true), "weekly 4, monthly 12"),
            (RetentionPolicy(), ""),
        ])
    func summary(policy: RetentionPolicy, text: String) {
        #expect(policy.summary == text)
        #expect(policy.hasRules == !text.isEmpty)
    }
}
