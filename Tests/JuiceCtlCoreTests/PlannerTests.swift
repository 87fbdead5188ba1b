import Testing

@testable import JuiceCtlCore

/// One row of the planner table: a spec, an observation of the host, and the plan they must give.
struct PlannerCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String = SpecFixture.minimalYAML
    var observe: @Sendable (VolumeSpec) -> VolumeObservation
    var steps: [Step]
    var conflicts: [ConflictStep] = []

    var testDescription: String { name }
}

private let mnt = "/srv/demo/data"
private let bucket = "/srv/demo/objects/"
private let directories = [
    Step(.createDirectory, .create, "/active"), Step(.createDirectory, .create, "/active/fs"),
    Step(.createDirectory, .create, "/checkpoints"),
]
private let conditionalDirectories = directories.map { Step($0.kind, $0.change, $0.target, conditional: true) }
private let freshPlan =
    [Step(.format, .create, "demo"), Step(.mount, .create, mnt), Step(.secureDirectory, .update, "/")] + directories
    + [Step(.setQuota, .create, "/active/fs")]

private func quota(_ capacity: UInt64?, inodes: UInt64? = nil, tolerance: UInt64 = 0) -> QuotaReading {
    QuotaReading(capacity: capacity, inodes: inodes, capacityTolerance: tolerance, source: "statfs")
}

private func drifted(_ spec: VolumeSpec) -> FormatInfo {
    var info = ObservationFixture.formatInfo(spec)
    info.blockSizeKiB = 1024
    info.compression = "lz4"
    info.trashDays = 1
    return info
}

extension PlannerCase {
    static let creation: [PlannerCase] = [
        PlannerCase(
            name: "a fresh volume is formatted, mounted, given its directories and its quota, in that order",
            observe: { _ in ObservationFixture.fresh() }, steps: freshPlan),
        PlannerCase(
            name: "an engine without a volume over empty storage is planned like a fresh volume",
            observe: { _ in VolumeObservation(metadata: .unformatted, storage: .empty, mount: .absent) }, steps: freshPlan),
        PlannerCase(
            name: "a format juicectl started and did not finish is completed",
            observe: { _ in VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "u"), mount: .absent, interruptedFormat: true)
            },
            steps: freshPlan),
        PlannerCase(
            name: "a fresh volume with quotas: [] gets no quota",
            yaml: SpecFixture.yaml("quotas: []\n"), observe: { _ in ObservationFixture.fresh() },
            steps: Array(freshPlan.dropLast())),
        PlannerCase(
            name: "a nested quota path gets its parent directories before its quota",
            yaml: SpecFixture.yaml("quotas:\n  - {path: /projects/a, capacity: 1GiB}\n"), observe: { _ in ObservationFixture.fresh() },
            steps: [Step(.format, .create, "demo"), Step(.mount, .create, mnt), Step(.secureDirectory, .update, "/")] + directories
                + [
                    Step(.createDirectory, .create, "/projects"), Step(.createDirectory, .create, "/projects/a"),
                    Step(.setQuota, .create, "/projects/a"),
                ]),
    ]

    static let refusals: [PlannerCase] = [
        PlannerCase(
            name: "missing metadata over storage that holds the volume's data is refused, with no action",
            observe: { _ in VolumeObservation(metadata: .missing, storage: .holdsVolume(uuid: "old-uuid"), mount: .absent) },
            steps: [], conflicts: [ConflictStep(.refuseFormatOverData, bucket, blocking: true)]),
        PlannerCase(
            name: "storage that cannot be inspected stops the format",
            observe: { _ in VolumeObservation(metadata: .missing, storage: .unknown("EACCES"), mount: .absent) },
            steps: [], conflicts: [ConflictStep(.storageUnreadable, bucket, blocking: true)]),
        PlannerCase(
            name: "an unreadable metadata engine stops everything",
            observe: { _ in VolumeObservation(metadata: .unreadable("database is locked"), storage: .empty, mount: .absent) },
            steps: [],
            conflicts: [
                ConflictStep(.metadataUnreadable, "sqlite3:///srv/demo/metadata.db?_journal_mode=WAL&_busy_timeout=5000", blocking: true)
            ]),
        PlannerCase(
            name: "an engine holding another volume's name stops everything",
            observe: { spec in
                var info = ObservationFixture.formatInfo(spec)
                info.name = "other"
                return VolumeObservation(metadata: .formatted(info), storage: .holdsVolume(uuid: info.uuid), mount: .absent)
            },
            steps: [], conflicts: [ConflictStep(.volumeNameMismatch, "name", blocking: true)]),
        PlannerCase(
            name: "storage holding another UUID than the engine stops everything",
            observe: { spec in
                VolumeObservation(
                    metadata: .formatted(ObservationFixture.formatInfo(spec)), storage: .holdsVolume(uuid: "other"), mount: .absent)
            },
            steps: [], conflicts: [ConflictStep(.storageBelongsToOtherVolume, bucket, blocking: true)]),
        PlannerCase(
            name: "a formatted volume whose objects are gone is not mounted",
            observe: { spec in VolumeObservation(metadata: .formatted(ObservationFixture.formatInfo(spec)), storage: .empty, mount: .absent)
            },
            steps: [], conflicts: [ConflictStep(.storageMissing, bucket, blocking: true)]),
        PlannerCase(
            name: "a foreign filesystem on the mount point blocks the mount, directories and quotas",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.mount = .foreign(fstype: "ext4", source: "/dev/sdb1")
                    $0.quotas = ["/active/fs": quota(1 << 30)]
                    $0.directories = [:]
                }
            },
            steps: [], conflicts: [ConflictStep(.mountPointOccupied, mnt, blocking: true)]),
    ]

    static let formatDrift: [PlannerCase] = [
        PlannerCase(
            name: "changed format settings are non-blocking conflicts while the mount work still happens",
            observe: { spec in
                VolumeObservation(
                    metadata: .formatted(drifted(spec)), storage: .holdsVolume(uuid: drifted(spec).uuid), mount: .absent,
                    quotas: ObservationFixture.matchingQuotas(spec, source: "juicefs quota list"))
            },
            steps: [Step(.mount, .create, mnt)] + conditionalDirectories,
            conflicts: [
                ConflictStep(.formatSettingChanged, "format.blockSize", blocking: false),
                ConflictStep(.formatSettingChanged, "format.compression", blocking: false),
                ConflictStep(.formatSettingChanged, "format.trashDays", blocking: false),
            ]),
        PlannerCase(
            name: "changed format settings on a converged mount give conflicts and no action",
            observe: { spec in ObservationFixture.converged(spec) { $0.metadata = .formatted(drifted(spec)) } },
            steps: [],
            conflicts: [
                ConflictStep(.formatSettingChanged, "format.blockSize", blocking: false),
                ConflictStep(.formatSettingChanged, "format.compression", blocking: false),
                ConflictStep(.formatSettingChanged, "format.trashDays", blocking: false),
            ]),
        PlannerCase(
            name: "a changed storage path is a non-blocking conflict: the volume keeps its own storage",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    var info = ObservationFixture.formatInfo(spec)
                    info.bucket = "/old/objects/"
                    $0.metadata = .formatted(info)
                }
            },
            steps: [], conflicts: [ConflictStep(.formatSettingChanged, "storage", blocking: false)]),
    ]

    static let mounts: [PlannerCase] = [
        PlannerCase(
            name: "a converged live mount needs nothing",
            observe: { ObservationFixture.converged($0) }, steps: []),
        PlannerCase(
            name:
                "a formatted volume that is not mounted is mounted; directories are created if missing; the quota read with quota list "
                + "agrees",
            observe: {
                ObservationFixture.formattedNotMounted($0, quotas: ObservationFixture.matchingQuotas($0, source: "juicefs quota list"))
            },
            steps: [Step(.mount, .create, mnt)] + conditionalDirectories),
        PlannerCase(
            name: "a formatted volume whose quotas could not be read gets a conditional quota",
            observe: { ObservationFixture.formattedNotMounted($0) },
            steps: [Step(.mount, .create, mnt)] + conditionalDirectories + [Step(.setQuota, .create, "/active/fs", conditional: true)]),
        PlannerCase(
            name: "a quota list reading that differs while unmounted is updated after the mount",
            observe: { ObservationFixture.formattedNotMounted($0, quotas: ["/active/fs": quota(1 << 40)]) },
            steps: [Step(.mount, .create, mnt)] + conditionalDirectories + [Step(.setQuota, .update, "/active/fs")]),
        PlannerCase(
            name: "a mount that does not answer while its client runs is left alone: a blocking MountUnresponsive, no recovery",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .unresponsive(reason: "no answer within 2000 ms", pid: 4242) }
            },
            steps: [], conflicts: [ConflictStep(.mountUnresponsive, mnt, blocking: true)]),
        PlannerCase(
            name: "a stale mount is recovered, then directories and quota are checked after it",
            observe: { spec in
                ObservationFixture.formattedNotMounted(spec) { $0.mount = .stale(reason: "ENOTCONN", entries: 1) }
            },
            steps: [Step(.recoverStaleMount, .replace, mnt)] + conditionalDirectories
                + [Step(.setQuota, .create, "/active/fs", conditional: true)]),
        PlannerCase(
            name: "a changed hot flag (cache-size) remounts in place with a brief disruption",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.mount = .live(
                        ObservationFixture.liveMount(
                            spec, arguments: ObservationFixture.arguments(spec, replacing: "--cache-size=", with: ["--cache-size=1024"])))
                }
            },
            steps: [Step(.remountInPlace, .update, mnt, .brief)]),
        PlannerCase(
            name: "a changed FUSE-level flag (enable-xattr) unmounts and mounts, interrupting users",
            yaml: SpecFixture.yaml("mount:\n  options:\n    enable-xattr: true\n"),
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.mount = .live(
                        ObservationFixture.liveMount(
                            spec, arguments: ObservationFixture.arguments(spec, replacing: "--enable-xattr", with: [])))
                }
            },
            steps: [Step(.remount, .replace, mnt, .interrupting)]),
        PlannerCase(
            name: "a changed FUSE option (o) unmounts and mounts, interrupting users",
            yaml: SpecFixture.yaml("mount:\n  options:\n    o: allow_other\n"),
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.mount = .live(
                        ObservationFixture.liveMount(
                            spec, arguments: ObservationFixture.arguments(spec, replacing: "-o", with: ["-o", "default_permissions"])))
                }
            },
            steps: [Step(.remount, .replace, mnt, .interrupting)]),
        PlannerCase(
            name: "a mount whose supervisor is gone is handed to a new client in place",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .live(ObservationFixture.liveMount(spec, supervisorAlive: false)) }
            },
            steps: [Step(.remountInPlace, .update, mnt, .brief)]),
        PlannerCase(
            name: "an unreadable command line with a dead supervisor still remounts in place",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    var live = ObservationFixture.liveMount(spec, supervisorAlive: false)
                    live.arguments = nil
                    $0.mount = .live(live)
                }
            },
            steps: [Step(.remountInPlace, .update, mnt, .brief)]),
        PlannerCase(
            name: "an unreadable command line with a live supervisor is left alone",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    var live = ObservationFixture.liveMount(spec)
                    live.arguments = nil
                    $0.mount = .live(live)
                }
            },
            steps: []),
        PlannerCase(
            name: "stacked mounts are unmounted and mounted once",
            observe: { spec in
                ObservationFixture.converged(spec) { $0.mount = .live(ObservationFixture.liveMount(spec, stackedEntries: 2)) }
            },
            steps: [Step(.remount, .replace, mnt, .interrupting)]),
        PlannerCase(
            name: "a mount point the spec no longer names is unmounted",
            observe: { spec in ObservationFixture.converged(spec) { $0.formerMountPaths = ["/mnt/old"] } },
            steps: [Step(.unmount, .delete, "/mnt/old", .interrupting)]),
        PlannerCase(
            name: "a former mount path equal to the current one is not unmounted",
            observe: { spec in ObservationFixture.converged(spec) { $0.formerMountPaths = [mnt] } },
            steps: []),
    ]

    static let directoriesAndQuotas: [PlannerCase] = [
        PlannerCase(
            name: "a directory missing on a live mount is created unconditionally",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.directories["/checkpoints"] = .missing
                    $0.directories["/active/fs"] = nil
                }
            },
            steps: [Step(.createDirectory, .create, "/active/fs"), Step(.createDirectory, .create, "/checkpoints")]),
        PlannerCase(
            name: "a quota that differs is updated",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = quota(5 << 40) } },
            steps: [Step(.setQuota, .update, "/active/fs")]),
        PlannerCase(
            name: "a quota within the reading's tolerance is left alone",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = quota(10 << 40 - 4096, tolerance: 8192) } },
            steps: []),
        PlannerCase(
            name: "a quota just outside the reading's tolerance is updated",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = quota(10 << 40 + 16384, tolerance: 8192) } },
            steps: [Step(.setQuota, .update, "/active/fs")]),
        PlannerCase(
            name: "a declared quota missing on the volume is created",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = .none(source: "juicefs quota get") } },
            steps: [Step(.setQuota, .create, "/active/fs")]),
        PlannerCase(
            name: "an inode limit that differs is updated",
            yaml: SpecFixture.yaml("quotas:\n  - {path: /active/fs, capacity: 1TiB, inodes: 1000}\n"),
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/active/fs"] = quota(1 << 40, inodes: 500) } },
            steps: [Step(.setQuota, .update, "/active/fs")]),
        PlannerCase(
            name: "a quota juicectl set that is no longer declared is removed",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.quotas?["/old"] = quota(1 << 30)
                    $0.managedQuotaPaths.append("/old")
                }
            },
            steps: [Step(.removeQuota, .delete, "/old")]),
        PlannerCase(
            name: "a managed quota that is already gone or unreadable is not removed again",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.quotas?["/gone"] = .none(source: "statfs")
                    $0.managedQuotaPaths += ["/gone", "/unread"]
                }
            },
            steps: []),
        PlannerCase(
            name: "a quota juicectl did not set is left alone",
            observe: { spec in ObservationFixture.converged(spec) { $0.quotas?["/someone-else"] = quota(1 << 30) } },
            steps: []),
        PlannerCase(
            name: "a quota path that is not a directory is a conflict and gets no quota",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.directories["/active/fs"] = .notDirectory
                    $0.quotas?["/active/fs"] = .none(source: "statfs")
                }
            },
            steps: [], conflicts: [ConflictStep(.notADirectory, "/active/fs", blocking: false)]),
        PlannerCase(
            name: "a file in place of a parent directory blocks the directories and quota below it",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.directories["/active"] = .notDirectory
                    $0.directories["/active/fs"] = .missing
                    $0.quotas?["/active/fs"] = .none(source: "statfs")
                }
            },
            steps: [], conflicts: [ConflictStep(.notADirectory, "/active", blocking: false)]),
        PlannerCase(
            name: "several changes come in dependency order: mount, old mount point, directories, quotas",
            observe: { spec in
                ObservationFixture.converged(spec) {
                    $0.mount = .live(
                        ObservationFixture.liveMount(
                            spec, arguments: ObservationFixture.arguments(spec, replacing: "--cache-size=", with: ["--cache-size=1024"])))
                    $0.formerMountPaths = ["/mnt/old"]
                    $0.directories["/checkpoints"] = .missing
                    $0.quotas?["/active/fs"] = quota(1 << 40)
                    $0.quotas?["/old"] = quota(1 << 30)
                    $0.managedQuotaPaths.append("/old")
                }
            },
            steps: [
                Step(.remountInPlace, .update, mnt, .brief), Step(.unmount, .delete, "/mnt/old", .interrupting),
                Step(.createDirectory, .create, "/checkpoints"), Step(.setQuota, .update, "/active/fs"),
                Step(.removeQuota, .delete, "/old"),
            ]),
    ]
}

extension ObservationFixture {
    /// `formattedNotMounted` with `change` applied.
    static func formattedNotMounted(_ spec: VolumeSpec, _ change: (inout VolumeObservation) -> Void) -> VolumeObservation {
        var observation = formattedNotMounted(spec)
        change(&observation)
        return observation
    }
}

@Suite("Planner table")
struct PlannerTests {
    static func check(_ row: PlannerCase) throws {
        let spec = try SpecFixture.spec(row.yaml)
        let plan = Planner.plan(spec, row.observe(spec))
        #expect(plan.steps == row.steps)
        #expect(plan.conflictSteps == row.conflicts)
        #expect(plan.actions.allSatisfy { !$0.reason.isEmpty }, "every action says why")
        #expect(plan.conflicts.allSatisfy { !$0.message.isEmpty && !($0.hint ?? "").isEmpty }, "every conflict says what and what to do")
        #expect(plan.isConverged == (row.steps.isEmpty && row.conflicts.isEmpty))
        #expect(plan.spec == spec)
    }

    @Test("volumes that do not exist yet", arguments: PlannerCase.creation)
    func creation(row: PlannerCase) throws { try Self.check(row) }

    @Test("what the planner refuses to do", arguments: PlannerCase.refusals)
    func refusals(row: PlannerCase) throws { try Self.check(row) }

    @Test("format settings that drift from the spec", arguments: PlannerCase.formatDrift)
    func formatDrift(row: PlannerCase) throws { try Self.check(row) }

    @Test("mount states", arguments: PlannerCase.mounts)
    func mounts(row: PlannerCase) throws { try Self.check(row) }

    @Test("directories and quotas on a live mount", arguments: PlannerCase.directoriesAndQuotas)
    func directoriesAndQuotas(row: PlannerCase) throws { try Self.check(row) }
}
