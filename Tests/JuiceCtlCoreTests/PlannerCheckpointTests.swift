import Foundation
import Testing

@testable import JuiceCtlCore

/// One row of the checkpoint planner table: a spec, an observation with a catalog, and the plan they must give.
struct CheckpointPlanCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String = SpecFixture.minimalYAML
    var observe: @Sendable (VolumeSpec) -> VolumeObservation
    var steps: [Step]
    var conflicts: [ConflictStep] = []

    var testDescription: String { name }
}

/// The instant every observation of this file is made at: a Friday, 10:37 UTC.
private let now = CheckpointFixture.date("2026-11-20T10:37:00Z")
private let mnt = "/srv/demo/data"

private func cp(_ name: String, _ created: String, kind: CheckpointKind = .scheduled, pinned: Bool = false) -> CheckpointEntry {
    CheckpointFixture.entry(name, created, kind: kind, pinned: pinned)
}

/// A converged, mounted volume observed at `now` with `catalog`, then `change`d.
private func observed(
    _ spec: VolumeSpec, _ catalog: CheckpointCatalog?,
    _ change: (inout VolumeObservation) -> Void = { _ in }
) -> VolumeObservation {
    ObservationFixture.converged(spec) {
        $0.catalog = catalog
        $0.now = now
        change(&$0)
    }
}

/// The journal of a restore of `golden` that began at 10:00; `/active` had inode 100 before it.
private func journal(_ checkpoint: String = "golden", requestId: String? = "r1") -> RestoreJournal {
    RestoreJournal(
        checkpoint: checkpoint, requestId: requestId, stagingPath: "/checkpoints/.juicectl/staging/restore-\(checkpoint).k3x9",
        asideName: "pre-restore-20261120T100000Z", activeInode: 100, startedAt: CheckpointFixture.date("2026-11-20 10:00"))
}

private func progress(active: UInt64?, staging: UInt64?, checkpoint: String = "golden", requestId: String? = "r1") -> RestoreProgress {
    RestoreProgress(journal: journal(checkpoint, requestId: requestId), activeInode: active, stagingInode: staging, asideExists: false)
}

private let swappedRestore = progress(active: 200, staging: 100)
private let unswappedRestore = progress(active: 100, staging: 200)

private let restoreGolden = SpecFixture.yaml("restore:\n  checkpoint: golden\n  requestId: r1\n")
private let every15m = SpecFixture.yaml("checkpoints:\n  schedule: \"@every 15m\"\n")
private let hourly = SpecFixture.yaml("checkpoints:\n  schedule: \"@hourly\"\n")
private let retainLast2 = SpecFixture.yaml("checkpoints:\n  retain:\n    last: 2\n")
private let hourlyRetainLast2 = SpecFixture.yaml("checkpoints:\n  schedule: \"@hourly\"\n  retain:\n    last: 2\n")
private let restoreGoldenRetainLast1 = SpecFixture.yaml(
    "checkpoints:\n  retain:\n    last: 1\nrestore:\n  checkpoint: golden\n  requestId: r1\n")
private let everything = SpecFixture.yaml(
    """
    checkpoints:
      schedule: "@every 15m"
      retain:
        last: 2
    restore:
      checkpoint: golden
      requestId: r1

    """)

private let leftovers = [
    Leftover(path: "/checkpoints/.juicectl/staging/nightly.k3x9", kind: .staging),
    Leftover(path: "/checkpoints/.juicectl/trash/old.k3x9", kind: .trash),
    Leftover(path: "/checkpoints/.juicectl/manifests/gone.json", kind: .orphanManifest),
]

extension CheckpointPlanCase {
    static let recovery: [CheckpointPlanCase] = [
        CheckpointPlanCase(
            name: "a restore that stopped after the swap is completed first, before directories and quotas",
            observe: { spec in
                observed(spec, CheckpointCatalog(restore: swappedRestore)) {
                    $0.directories["/active/fs"] = .missing
                    $0.quotas?["/active/fs"] = QuotaReading(capacity: 1 << 30, inodes: nil, source: "statfs")
                }
            },
            steps: [
                Step(.resumeRestore, .update, "/active"), Step(.createDirectory, .create, "/active/fs"),
                Step(.setQuota, .update, "/active/fs"),
            ]),
        CheckpointPlanCase(
            name: "a restore that stopped before the swap is rolled back first, before directories and quotas",
            observe: { spec in
                observed(spec, CheckpointCatalog(restore: unswappedRestore)) {
                    $0.directories["/active/fs"] = .missing
                }
            },
            steps: [Step(.resumeRestore, .delete, "/active"), Step(.createDirectory, .create, "/active/fs")]),
        CheckpointPlanCase(
            name: "a restore whose /active is gone and whose staging path holds the restored tree is completed",
            observe: { spec in observed(spec, CheckpointCatalog(restore: progress(active: nil, staging: 200))) },
            steps: [Step(.resumeRestore, .update, "/active")]),
        CheckpointPlanCase(
            name: "a restore whose /active is gone and whose staging path holds the original tree is rolled back",
            observe: { spec in observed(spec, CheckpointCatalog(restore: progress(active: nil, staging: 100))) },
            steps: [Step(.resumeRestore, .delete, "/active")]),
        CheckpointPlanCase(
            name: "what interrupted creates and deletes left behind is removed, one step each",
            observe: { spec in observed(spec, CheckpointCatalog(leftovers: leftovers)) },
            steps: leftovers.map { Step(.removeLeftover, .delete, $0.path) }),
        CheckpointPlanCase(
            name: "an unfinished restore comes before leftovers",
            observe: { spec in observed(spec, CheckpointCatalog(leftovers: [leftovers[0]], restore: swappedRestore)) },
            steps: [Step(.resumeRestore, .update, "/active"), Step(.removeLeftover, .delete, leftovers[0].path)]),
        CheckpointPlanCase(
            name: "a tidy catalog plans nothing",
            yaml: everything,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(
                        entries: [
                            cp("golden", "2026-11-01", kind: .manual),
                            cp("auto-20261120T103000Z", "2026-11-20T10:30:02Z"),
                        ],
                        lineage: VolumeLineage(appliedRestoreRequests: ["r1"])))
            },
            steps: []),
    ]

    static let restoreRequests: [CheckpointPlanCase] = [
        CheckpointPlanCase(
            name: "a restore request not yet applied restores /active from its checkpoint",
            yaml: restoreGolden,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("golden", "2026-11-01", kind: .manual)])) },
            steps: [Step(.restore, .replace, "/active", .interrupting)]),
        CheckpointPlanCase(
            name: "a catalog that only checked the target still restores",
            yaml: restoreGolden,
            observe: { spec in observed(spec, CheckpointCatalog(entries: nil, restoreTargetExists: true)) },
            steps: [Step(.restore, .replace, "/active", .interrupting)]),
        CheckpointPlanCase(
            name: "a restore request already applied to the volume plans nothing",
            yaml: restoreGolden,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(
                        entries: [cp("golden", "2026-11-01", kind: .manual)],
                        lineage: VolumeLineage(activeParent: "golden", appliedRestoreRequests: ["r0", "r1"])))
            },
            steps: []),
        CheckpointPlanCase(
            name: "an applied request whose checkpoint is gone since is not a conflict",
            yaml: restoreGolden,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [], lineage: VolumeLineage(appliedRestoreRequests: ["r1"]))) },
            steps: []),
        CheckpointPlanCase(
            name: "a restore request for a checkpoint that does not exist is a conflict, not a step",
            yaml: restoreGolden,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("silver", "2026-11-01", kind: .manual)])) },
            steps: [], conflicts: [ConflictStep(.restoreTargetMissing, "restore.checkpoint", blocking: false)]),
        CheckpointPlanCase(
            name: "a catalog that checked the target and did not find it gives the conflict",
            yaml: restoreGolden,
            observe: { spec in observed(spec, CheckpointCatalog(entries: nil, restoreTargetExists: false)) },
            steps: [], conflicts: [ConflictStep(.restoreTargetMissing, "restore.checkpoint", blocking: false)]),
        CheckpointPlanCase(
            name: "a restore request on a volume being formatted is a conflict; the volume is still created",
            yaml: restoreGolden,
            observe: { _ in ObservationFixture.fresh() },
            steps: [
                Step(.format, .create, "demo"), Step(.mount, .create, mnt), Step(.secureDirectory, .update, "/"),
                Step(.createDirectory, .create, "/active"),
                Step(.createDirectory, .create, "/active/fs"), Step(.createDirectory, .create, "/checkpoints"),
                Step(.setQuota, .create, "/active/fs"),
            ],
            conflicts: [ConflictStep(.restoreTargetMissing, "restore.checkpoint", blocking: false)]),
        CheckpointPlanCase(
            name: "a new restore request waits while another restore is unfinished",
            yaml: SpecFixture.yaml("restore:\n  checkpoint: silver\n  requestId: r2\n"),
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(
                        entries: [cp("silver", "2026-11-01", kind: .manual)],
                        restore: unswappedRestore))
            },
            steps: [Step(.resumeRestore, .delete, "/active")]),
    ]

    static let schedules: [CheckpointPlanCase] = [
        CheckpointPlanCase(
            name: "a due slot with no scheduled checkpoint yet creates auto-<slot>",
            yaml: every15m,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [])) },
            steps: [Step(.createCheckpoint, .create, "auto-20261120T103000Z")]),
        CheckpointPlanCase(
            name: "a scheduled checkpoint taken after the last slot means nothing is due",
            yaml: every15m,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("auto-20261120T103000Z", "2026-11-20T10:30:04Z")])) },
            steps: []),
        CheckpointPlanCase(
            name: "a scheduled checkpoint taken exactly at the last slot means nothing is due, whatever its name",
            yaml: every15m,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("renamed", "2026-11-20 10:30")])) },
            steps: []),
        CheckpointPlanCase(
            name: "a scheduled checkpoint from before the last slot leaves the slot due",
            yaml: every15m,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("auto-20261120T101500Z", "2026-11-20T10:29:59Z")])) },
            steps: [Step(.createCheckpoint, .create, "auto-20261120T103000Z")]),
        CheckpointPlanCase(
            name: "a manual or pre-restore checkpoint after the slot does not stand in for the schedule",
            yaml: every15m,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(entries: [
                        cp("mine", "2026-11-20 10:35", kind: .manual),
                        cp("pre-restore-20261120T103100Z", "2026-11-20 10:31", kind: .preRestore),
                    ]))
            },
            steps: [Step(.createCheckpoint, .create, "auto-20261120T103000Z")]),
        CheckpointPlanCase(
            name: "a checkpoint that already has the slot's name is not created again",
            yaml: every15m,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("auto-20261120T103000Z", "2026-11-19 09:00", kind: .manual)]))
            },
            steps: []),
        CheckpointPlanCase(
            name: "a missed series of slots gives one checkpoint, for the latest slot",
            yaml: hourly,
            observe: { spec in observed(spec, CheckpointCatalog(entries: [cp("auto-20261117T000000Z", "2026-11-17 00:00")])) },
            steps: [Step(.createCheckpoint, .create, "auto-20261120T100000Z")]),
    ]

    static let retention: [CheckpointPlanCase] = [
        CheckpointPlanCase(
            name: "retention deletes what no rule keeps",
            yaml: retainLast2,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(entries: [
                        cp("s1", "2026-11-20 07:00"), cp("s2", "2026-11-20 08:00"),
                        cp("s3", "2026-11-20 09:00"),
                    ]))
            },
            steps: [Step(.deleteCheckpoint, .delete, "s1")]),
        CheckpointPlanCase(
            name: "retention counts the due checkpoint as the newest",
            yaml: hourlyRetainLast2,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(entries: [
                        cp("auto-20261120T080000Z", "2026-11-20 08:00"),
                        cp("auto-20261120T090000Z", "2026-11-20 09:00"),
                    ]))
            },
            steps: [
                Step(.createCheckpoint, .create, "auto-20261120T100000Z"),
                Step(.deleteCheckpoint, .delete, "auto-20261120T080000Z"),
            ]),
        CheckpointPlanCase(
            name: "retention leaves manual and pinned checkpoints alone",
            yaml: retainLast2,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(entries: [
                        cp("mine", "2026-11-01", kind: .manual), cp("pin", "2026-11-02", pinned: true),
                        cp("s1", "2026-11-20 07:00"), cp("s2", "2026-11-20 08:00"),
                        cp("s3", "2026-11-20 09:00"), CheckpointFixture.bare("handmade"),
                    ]))
            },
            steps: [Step(.deleteCheckpoint, .delete, "s1")]),
        CheckpointPlanCase(
            name: "retention never deletes the checkpoint a planned restore uses",
            yaml: restoreGoldenRetainLast1,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(entries: [
                        cp("golden", "2026-11-01"), cp("s1", "2026-11-20 07:00"),
                        cp("s2", "2026-11-20 08:00"),
                    ]))
            },
            steps: [Step(.restore, .replace, "/active", .interrupting), Step(.deleteCheckpoint, .delete, "s1")]),
        CheckpointPlanCase(
            name: "retention never deletes the checkpoint an unfinished restore uses",
            yaml: SpecFixture.yaml("checkpoints:\n  retain:\n    last: 1\n"),
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(
                        entries: [
                            cp("golden", "2026-11-01"), cp("s1", "2026-11-20 07:00"),
                            cp("s2", "2026-11-20 08:00"),
                        ],
                        restore: swappedRestore))
            },
            steps: [Step(.resumeRestore, .update, "/active"), Step(.deleteCheckpoint, .delete, "s1")]),
        CheckpointPlanCase(
            name: "once its restore request is applied, the checkpoint is pruned like any other",
            yaml: restoreGoldenRetainLast1,
            observe: { spec in
                observed(
                    spec,
                    CheckpointCatalog(
                        entries: [cp("golden", "2026-11-01"), cp("s1", "2026-11-20 07:00")],
                        lineage: VolumeLineage(activeParent: "golden", appliedRestoreRequests: ["r1"])))
            },
            steps: [Step(.deleteCheckpoint, .delete, "golden")]),
    ]

    static let unreadable: [CheckpointPlanCase] = [
        CheckpointPlanCase(
            name: "an unmounted volume plans no checkpoint work until it is mounted and its catalog read",
            yaml: everything,
            observe: { spec in ObservationFixture.formattedNotMounted(spec) },
            steps: [
                Step(.mount, .create, mnt), Step(.createDirectory, .create, "/active", conditional: true),
                Step(.createDirectory, .create, "/active/fs", conditional: true),
                Step(.createDirectory, .create, "/checkpoints", conditional: true),
                Step(.setQuota, .create, "/active/fs", conditional: true),
            ]),
        CheckpointPlanCase(
            name: "a mounted volume without a catalog plans no checkpoint work",
            yaml: everything,
            observe: { spec in observed(spec, nil) },
            steps: []),
        CheckpointPlanCase(
            name: "a catalog without its entries schedules and prunes nothing",
            yaml: SpecFixture.yaml("checkpoints:\n  schedule: \"@every 15m\"\n  retain:\n    last: 1\n"),
            observe: { spec in observed(spec, CheckpointCatalog(entries: nil)) },
            steps: []),
    ]
}

@Suite("Planner checkpoints")
struct PlannerCheckpointTests {
    static func check(_ row: CheckpointPlanCase) throws {
        let spec = try SpecFixture.spec(row.yaml)
        let plan = Planner.plan(spec, row.observe(spec))
        #expect(plan.steps == row.steps)
        #expect(plan.conflictSteps == row.conflicts)
        #expect(plan.actions.allSatisfy { !$0.reason.isEmpty }, "every action says why")
        #expect(plan.conflicts.allSatisfy { !$0.message.isEmpty && !($0.hint ?? "").isEmpty }, "every conflict says what and what to do")
        let checkpointKinds: Set<Action.Kind> = [.createCheckpoint, .deleteCheckpoint, .restore, .resumeRestore]
        #expect(
            plan.actions.filter { checkpointKinds.contains($0.kind) }.allSatisfy { $0.checkpoint != nil },
            "every checkpoint step names its checkpoint")
    }

    @Test("unfinished restores and leftovers", arguments: CheckpointPlanCase.recovery)
    func recovery(row: CheckpointPlanCase) throws { try Self.check(row) }

    @Test("declarative restore requests", arguments: CheckpointPlanCase.restoreRequests)
    func restoreRequests(row: CheckpointPlanCase) throws { try Self.check(row) }

    @Test("scheduled checkpoints", arguments: CheckpointPlanCase.schedules)
    func schedules(row: CheckpointPlanCase) throws { try Self.check(row) }

    @Test("retention", arguments: CheckpointPlanCase.retention)
    func retention(row: CheckpointPlanCase) throws { try Self.check(row) }

    @Test("no checkpoint work without a readable catalog", arguments: CheckpointPlanCase.unreadable)
    func unreadable(row: CheckpointPlanCase) throws { try Self.check(row) }

    @Test("checkpoint steps follow recovery, directories and quotas: leftovers, directories, restore, scheduled checkpoint, retention")
    func order() throws {
        let spec = try SpecFixture.spec(everything)
        let entries = [cp("golden", "2026-11-01"), cp("s0", "2026-11-20 08:00"), cp("s1", "2026-11-20 09:00")]
        let plan = Planner.plan(
            spec,
            observed(
                spec,
                CheckpointCatalog(
                    entries: entries,
                    leftovers: [leftovers[1]])
            ) {
                $0.directories["/active/fs"] = .missing
            })
        #expect(
            plan.steps == [
                Step(.removeLeftover, .delete, leftovers[1].path), Step(.createDirectory, .create, "/active/fs"),
                Step(.restore, .replace, "/active", .interrupting), Step(.createCheckpoint, .create, "auto-20261120T103000Z"),
                Step(.deleteCheckpoint, .delete, "s0"),
            ])
        // golden is pruned by last 2 as well, but the restore in this plan needs it.
        #expect(!plan.actions.contains { $0.kind == .deleteCheckpoint && $0.target == "golden" })
    }

    @Test("resuming a restore names its checkpoint and request, and says whether it completes or rolls back")
    func resumeDetails() throws {
        let spec = try SpecFixture.spec()
        let complete = try #require(Planner.plan(spec, observed(spec, CheckpointCatalog(restore: swappedRestore))).actions.first)
        #expect(complete.checkpoint == Action.CheckpointRequest(name: "golden", requestId: "r1"))
        #expect(
            complete.reason.contains("the restore of golden started 2026-11-20T10:00:00Z stopped after /active was swapped: complete it"))
        #expect(complete.reason.contains("checkpoint pre-restore-20261120T100000Z"))
        let rollBack = try #require(Planner.plan(spec, observed(spec, CheckpointCatalog(restore: unswappedRestore))).actions.first)
        #expect(rollBack.checkpoint == Action.CheckpointRequest(name: "golden", requestId: "r1"))
        #expect(rollBack.reason.contains("stopped before /active was swapped: roll it back"))
        #expect(rollBack.reason.contains("/active is untouched"))
    }

    @Test(
        "each leftover step carries the leftover and says what it is",
        arguments: [
            (
                Leftover(path: "/checkpoints/.juicectl/staging/nightly.k3x9", kind: .staging),
                "a clone an interrupted checkpoint or restore left in staging"
            ),
            (Leftover(path: "/checkpoints/.juicectl/trash/old.k3x9", kind: .trash), "a checkpoint whose removal was interrupted"),
            (
                Leftover(path: "/checkpoints/.juicectl/manifests/gone.json", kind: .orphanManifest),
                "a manifest whose checkpoint directory does not exist"
            ),
        ])
    func leftoverDetails(leftover: Leftover, what: String) throws {
        let spec = try SpecFixture.spec()
        let action = try #require(Planner.plan(spec, observed(spec, CheckpointCatalog(leftovers: [leftover]))).actions.first)
        #expect(action.leftover == leftover)
        #expect(action.reason.hasPrefix(what))
        #expect(action.reason.hasSuffix("it was never a listed checkpoint"))
    }

    @Test("the restore step names the request, the checkpoint, and keeps the current tree as a pre-restore checkpoint")
    func restoreDetails() throws {
        let spec = try SpecFixture.spec(restoreGolden)
        let action = try #require(
            Planner.plan(spec, observed(spec, CheckpointCatalog(entries: [cp("golden", "2026-11-01")]))).actions.first)
        #expect(action.checkpoint == Action.CheckpointRequest(name: "golden", requestId: "r1"))
        #expect(action.reason.contains("restore request r1 has not been applied: /active becomes a clone of checkpoint golden"))
        #expect(action.reason.contains("pre-restore checkpoint"))
    }

    @Test("a missing restore target names the request and the checkpoint and how to list checkpoints")
    func missingTargetDetails() throws {
        let spec = try SpecFixture.spec(restoreGolden)
        let mounted = try #require(Planner.plan(spec, observed(spec, CheckpointCatalog(entries: []))).conflicts.first)
        #expect(mounted.message == "restore request r1 names checkpoint golden, which does not exist")
        #expect(mounted.hint?.contains("juicectl checkpoint list") == true)
        let fresh = try #require(Planner.plan(spec, ObservationFixture.fresh()).conflicts.first)
        #expect(fresh.message.contains("the volume is new and has none"))
    }

    @Test("a scheduled checkpoint says which slot is due and when the last one was taken")
    func scheduleDetails() throws {
        let spec = try SpecFixture.spec(every15m)
        let first = try #require(Planner.plan(spec, observed(spec, CheckpointCatalog(entries: []))).actions.first)
        #expect(first.checkpoint == Action.CheckpointRequest(name: "auto-20261120T103000Z", kind: .scheduled))
        #expect(first.reason == "schedule @every 15m: the slot 2026-11-20T10:30:00Z is due and there is no scheduled checkpoint yet")
        let later = try #require(
            Planner.plan(spec, observed(spec, CheckpointCatalog(entries: [cp("auto-20261120T101500Z", "2026-11-20T10:15:03Z")]))).actions
                .first)
        #expect(
            later.reason
                == "schedule @every 15m: the slot 2026-11-20T10:30:00Z is due and the last scheduled checkpoint is from "
                + "2026-11-20T10:15:03Z"
        )
    }

    @Test("each retention delete names its checkpoint and the rule that decides it")
    func retentionDetails() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  retain:\n    daily: 2\n"))
        let plan = Planner.plan(
            spec,
            observed(
                spec,
                CheckpointCatalog(entries: [
                    cp("a", "2026-11-18 09:00"), cp("b", "2026-11-19 09:00"), cp("c", "2026-11-20 08:00"), cp("d", "2026-11-20 09:00"),
                ])))
        #expect(plan.steps == [Step(.deleteCheckpoint, .delete, "c"), Step(.deleteCheckpoint, .delete, "a")])
        for action in plan.actions {
            #expect(action.checkpoint == Action.CheckpointRequest(name: action.target))
            #expect(action.checkpoint?.force == false, "retention never forces")
            #expect(action.reason == "retention: no rule keeps it (daily 2)")
        }
    }

    @Test(
        "a restore has got past the swap exactly when the executor would complete it",
        arguments: [
            (UInt64?(100), UInt64?(200), false, "/active is still the original tree"),
            (200, nil, true, "/active is the restored tree, the replaced one already moved aside"),
            (200, 100, true, "/active is the restored tree, the replaced one still in staging"),
            (nil, 100, false, "the original tree is in staging, /active missing: put it back"),
            (nil, 200, true, "the restored tree is in staging, /active missing: move it in and complete"),
            (nil, nil, false, "both missing: the original tree is looked for under its aside name"),
        ] as [(UInt64?, UInt64?, Bool, String)])
    func swapped(active: UInt64?, staging: UInt64?, swapped: Bool, why: String) {
        #expect(progress(active: active, staging: staging).swapped == swapped, "\(why)")
    }
}
