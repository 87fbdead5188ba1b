/// The planner: a pure function from a spec and an observation to an ordered list of actions, each with a reason.
///
/// It runs no program and reads nothing from the host. Order follows dependencies: format → mount → directories →
/// quotas; a blocking conflict drops the steps that depend on it.
public enum Planner {
    /// Plans what it takes to bring the observed volume to the spec.
    public static func plan(_ spec: VolumeSpec, _ observation: VolumeObservation) -> VolumePlan {
        var planner = PlanBuilder(spec: spec, observation: observation)
        planner.run()
        var plan = VolumePlan(spec: spec, actions: planner.actions, conflicts: planner.conflicts, sessions: observation.sessions)
        plan.notes = planner.notes
        return plan
    }

    /// Plans `down`: unmount the volume (graceful first, then forced, as the executor decides on failure).
    public static func planDown(_ spec: VolumeSpec, _ observation: VolumeObservation) -> VolumePlan {
        var actions: [Action] = PlanBuilder.thawCgroupsAction(observation).map { [$0] } ?? []
        // The overlay sits on the image, the image on the JuiceFS mount: they come down first, in that order.
        if let overlay = observation.overlay {
            actions += PlanBuilder.overlayTeardown(spec, overlay, for: .down)
        }
        if let flush = PlanBuilder.flushBeforeDown(spec, observation) { actions.append(flush) }
        let explained = MountExplanation(spec)
        switch observation.mount {
        case .live(let mount):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path, reason: explained.downMounted(mount),
                    disruption: .interrupting))
        case .stale(let reason, _):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path, reason: explained.downStale(reason: reason),
                    disruption: .none))
        case .unresponsive(let reason, let pid):
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: spec.mount.path,
                    reason: explained.downUnresponsive(reason: reason, pid: pid),
                    disruption: .interrupting))
        case .absent, .foreign:
            break
        }
        for path in observation.formerMountPaths where path != spec.mount.path {
            actions.append(
                Action(
                    .unmount(forceAllowed: true), .delete, target: path, reason: "down: juicectl mounted this volume here earlier",
                    disruption: .interrupting))
        }
        if case .running(let pid, _)? = observation.backup?.process {
            actions.append(
                Action(
                    .stopBackup, .delete, target: spec.metadata.sqlitePath ?? spec.name,
                    reason:
                        "down: Litestream (pid \(pid)) stops last, after a final sync, so that everything written before down is in the "
                        + "replica"
                ))
        }
        if let ownership = observation.ownership {
            switch ownership.state {
            case .mine, .mineStale:
                actions.append(
                    Action(
                        .releaseOwnership, .delete, target: ownership.location,
                        reason: "down: after the final sync another host may own the volume: release it"))
            default:
                break
            }
        }
        return VolumePlan(spec: spec, actions: actions, conflicts: [])
    }

}

/// Builds one plan; each section of it (format, mount, directories, quotas, checkpoints) is one method.
struct PlanBuilder {
    let spec: VolumeSpec
    let observation: VolumeObservation
    var actions: [Action] = []
    var conflicts: [Conflict] = []
    var notes: [PlanNote] = []

    /// Whether the volume will be formatted by this plan (so it is empty).
    var formatsVolume = false
    /// Whether this plan restores the metadata from the replica.
    var restoresMetadata = false
    /// Whether a mount will exist at the spec's mount point once the mount steps ran.
    var mountAvailable = false
    /// Volume paths that cannot hold a quota (not directories), found by the directories stage.
    var blockedPaths: Set<String> = []

    init(spec: VolumeSpec, observation: VolumeObservation) {
        self.spec = spec
        self.observation = observation
    }

    // MARK: Format

    /// Returns false when nothing else can be planned.
    mutating func planFormat() -> Bool {
        switch observation.metadata {
        case .missing, .unformatted:
            let why =
                observation.metadata == .missing
                ? "metadata database \(spec.metadata.sqlitePath ?? spec.metadata.redactedURL) does not exist"
                : "the metadata engine holds no volume"
            if let settings = spec.backup, let backup = observation.backup, backup.replicaUnreadable != nil || !backup.replicaListed {
                // An S3 replica that cannot be listed may hold this volume: formatting would start a new one beside it.
                conflicts.append(
                    Conflict(
                        code: .replicaUnreadable, target: settings.replica.display,
                        message:
                            "\(why), and the Litestream replica \(settings.replica.display) cannot be listed: "
                            + "\(backup.replicaUnreadable ?? "it was not read"); it may hold this volume's metadata",
                        hint:
                            "make the replica's store reachable (endpoint, keys, bucket) and run apply again; juicectl restores from a "
                            + "replica that holds the volume and formats only when it is empty",
                        blocking: true))
                return false
            }
            if let settings = spec.backup, let backup = observation.backup, backup.replicaExists, let database = spec.metadata.sqlitePath {
                actions.append(
                    Action(
                        .restoreMetadata, .create, target: database,
                        reason:
                            "\(why); the replica \(settings.replica.display) holds "
                            + "it\(backup.replicaTXID.map { " (up to transaction \($0))" } ?? ""): restore it before anything else, "
                            + "never format over it"
                    ))
                restoresMetadata = true
                return true
            }
            switch observation.storage {
            case .holdsVolume where observation.interruptedFormat:
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason:
                            "complete the format juicectl started and did not finish: \(why) and the object storage holds only the "
                            + "juicefs_uuid that juicefs format writes first (it is moved aside into \(spec.stateDir))",
                        disruption: .none))
                formatsVolume = true
                return true
            case .holdsVolume(let uuid):
                // With a backup, say which replica was looked at: it is empty, or apply would have restored from it.
                let replica = spec.backup.map { "; the Litestream replica \($0.replica.display) holds nothing to restore from" } ?? ""
                let source =
                    spec.backup.map {
                        "for example by putting this volume's Litestream replica back at \($0.replica.display), from which apply restores "
                            + "it"
                    }
                    ?? "for example from a backup or Litestream replica"
                conflicts.append(
                    Conflict(
                        code: .refuseFormatOverData, target: spec.storage.bucket,
                        message:
                            "\(why)\(replica), but the object storage \(spec.storage.bucket) already holds data of a volume named "
                            + "'\(spec.name)' (UUID \(uuid)); formatting would create an empty filesystem over it",
                        hint:
                            "restore the metadata to \(spec.metadata.sqlitePath ?? "the metadata engine") (\(source)) and run apply again; "
                            + "if the old data is to be discarded, move \(spec.storage.bucket)\(spec.name) away first",
                        blocking: true))
                return false
            case .unknown(let message):
                conflicts.append(
                    Conflict(
                        code: .storageUnreadable, target: spec.storage.bucket,
                        message: "cannot tell whether the object storage already holds this volume: \(message)",
                        hint: "fix access to the storage; juicectl never formats without knowing", blocking: true))
                return false
            case .empty:
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason: "\(why) and the object storage holds no data of this volume",
                        disruption: .none))
                formatsVolume = true
                return true
            case .remote(let endpoint):
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason:
                            "\(why); juicefs format checks \(endpoint) and refuses it if it already holds objects of volume '\(spec.name)'",
                        disruption: .none))
                formatsVolume = true
                return true
            }
        case .unreadable(let message):
            conflicts.append(
                Conflict(
                    code: .metadataUnreadable, target: spec.metadata.redactedURL,
                    message: "cannot read the metadata engine: \(message)",
                    hint: "check the database and the juicefs log; juicectl changes nothing until it can read it",
                    blocking: true))
            return false
        case .formatted(let info):
            // A host that owns the volume again after another host did starts from the replica, not its own copy.
            if let ownership = observation.ownership, ownership.ownedElsewhereSince, !runsHere,
                actions.contains(where: { $0.kind == .claimOwnership }), let settings = spec.backup, let database = spec.metadata.sqlitePath
            {
                actions.append(
                    Action(
                        .refreshMetadata, .replace, target: database,
                        reason:
                            "another host owned the volume since this host last did, so \(database) is older than the replica "
                            + "\(settings.replica.display): move it aside (kept) and restore the replica's"
                    ))
                restoresMetadata = true
                return true
            }
            return checkFormatted(info)
        }
    }

    mutating func checkFormatted(_ info: FormatInfo) -> Bool {
        if info.name != spec.name {
            conflicts.append(
                Conflict(
                    code: .volumeNameMismatch, target: "name",
                    message: "the metadata engine holds volume '\(info.name)', the spec names '\(spec.name)'",
                    hint: "point metadata.url at this volume's own database, or fix the name", blocking: true))
            return false
        }
        if case .holdsVolume(let uuid) = observation.storage, uuid != info.uuid {
            conflicts.append(
                Conflict(
                    code: .storageBelongsToOtherVolume, target: spec.storage.bucket,
                    message: "the object storage holds volume UUID \(uuid), the metadata engine volume UUID \(info.uuid)",
                    hint: "the metadata and the objects do not belong together; restore the right metadata or storage path",
                    blocking: true))
            return false
        }
        if info.storage != spec.storage.juicefsType || info.bucket != spec.storage.bucket {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "storage",
                    message:
                        "the volume stores objects in \(info.storage) \(info.bucket), the spec says \(spec.storage.juicefsType) "
                        + "\(spec.storage.bucket); the volume keeps using its own",
                    hint:
                        "storage is fixed at format time: set \(info.storage == "file" ? "storage.path" : "storage.bucket") back to "
                        + "\(info.storage == "file" ? info.bucket.trimmingSuffix("/") : info.bucket) (moving objects is a manual "
                        + "migration)",
                    blocking: false))
        } else if case .empty = observation.storage {
            conflicts.append(
                Conflict(
                    code: .storageMissing, target: spec.storage.bucket,
                    message:
                        "the metadata engine holds volume '\(info.name)' but \(spec.storage.bucket)\(info.name)/juicefs_uuid is missing: "
                        + "the objects are gone or elsewhere",
                    hint: "restore the object directory before mounting; files would read as I/O errors", blocking: true))
            return false
        }
        let desired = spec.format
        if info.blockSizeKiB != Int(desired.blockSize.bytes / ByteSize.kib) {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.blockSize",
                    message:
                        "the volume was formatted with blockSize \(ByteSize(bytes: UInt64(info.blockSizeKiB) * ByteSize.kib)), the spec "
                        + "says \(desired.blockSize)",
                    hint: "the block size cannot change after format: set format.blockSize back, or create a new volume and copy the data",
                    blocking: false))
        }
        if info.compression != desired.compression {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.compression",
                    message: "the volume was formatted with compression \(info.compression), the spec says \(desired.compression)",
                    hint: "compression is fixed at format time: set format.compression back to \(info.compression)",
                    blocking: false))
        }
        if info.trashDays != desired.trashDays {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.trashDays",
                    message: "the volume keeps trash for \(info.trashDays) day(s), the spec says \(desired.trashDays)",
                    hint:
                        "juicectl never reformats; to change it deliberately run `juicefs config META --trash-days \(desired.trashDays) "
                        + "-y`, or set format.trashDays back to \(info.trashDays)",
                    blocking: false))
        }
        return true
    }

    // MARK: Mount

    mutating func planMount() {
        let desired = MountCommand.arguments(for: spec)
        let explained = MountExplanation(spec)
        switch observation.mount {
        case .absent:
            actions.append(
                Action(
                    .mount, .create, target: spec.mount.path,
                    reason: formatsVolume ? "new volume" : explained.notMounted))
            mountAvailable = true
        case .stale(let reason, let entries):
            actions.append(
                Action(
                    .recoverStaleMount, .replace, target: spec.mount.path,
                    reason: explained.staleRecovery(reason: reason, entries: entries),
                    disruption: .none))
            mountAvailable = true
        case .unresponsive(let reason, let pid):
            conflicts.append(explained.unresponsiveConflict(reason: reason, pid: pid))
        case .foreign(let fstype, let source):
            conflicts.append(explained.occupiedConflict(fstype: fstype, source: source))
        case .live(let mount):
            mountAvailable = true
            if mount.stackedEntries > 1 {
                actions.append(
                    Action(
                        .remount(changedFlags: nil), .replace, target: spec.mount.path,
                        reason: explained.stackedRemount(entries: mount.stackedEntries),
                        disruption: .interrupting))
                break
            }
            // The kernel's own account of nosuid, nodev and allow_other: a client started by an earlier juicectl
            // runs with them although its command line does not name them.
            let drift =
                mount.mountOptions.map {
                    KernelMountOptions.drift(spec.mount, mountOptions: $0, superOptions: mount.superOptions)
                } ?? []
            var changed = mount.arguments.map { MountCommand.changedFlags(live: $0, desired: desired) } ?? []
            if !drift.isEmpty && !changed.contains("o") { changed = (changed + ["o"]).sorted() }
            if changed.isEmpty {
                if !mount.supervisorAlive { appendSupervisorRestart(mount) }
                break
            }
            if changed.contains("cache-dir"), let staging = observation.staging, !staging.isEmpty {
                actions.append(
                    Action(
                        .flushStaging, .update, target: staging.cacheDir,
                        reason:
                            "mount.cacheDir changes while \(staging.summary) are staged in \(staging.cacheDir) and nowhere else: upload "
                            + "them first, so that the new cache directory starts with nothing only local",
                        disruption: .brief))
            }
            let fuseLevel = changed.filter { MountFlag.named($0)?.changeClass == .requiresUnmount }
            if fuseLevel.isEmpty {
                actions.append(
                    Action(
                        .remountInPlace(changedFlags: changed), .update, target: spec.mount.path,
                        reason:
                            "mount option(s) \(changed.joined(separator: ", ")) differ: re-running juicefs mount on the same path hands "
                            + "the session to a new client; open files stay open",
                        disruption: .brief))
            } else if !drift.isEmpty {
                actions.append(
                    Action(
                        .remount(changedFlags: changed), .replace, target: spec.mount.path,
                        reason:
                            "the mount's kernel options differ from the spec: \(drift.joined(separator: "; ")). A graceful restart would "
                            + "stack a second mount, so unmount and mount with -o "
                            + "\(KernelMountOptions.fuseWords(spec.mount).joined(separator: ",")) (refused while files are open)",
                        disruption: .interrupting))
            } else {
                actions.append(
                    Action(
                        .remount(changedFlags: changed), .replace, target: spec.mount.path,
                        reason:
                            "FUSE-level option(s) \(fuseLevel.joined(separator: ", ")) differ: a graceful restart would stack a second "
                            + "mount, so unmount and mount (refused while files are open)",
                        disruption: .interrupting))
            }
        }
        for path in observation.formerMountPaths where path != spec.mount.path {
            actions.append(
                Action(
                    .unmount(forceAllowed: false), .delete, target: path,
                    reason: "juicectl mounted this volume at \(path) before; the spec now says \(spec.mount.path)",
                    disruption: .interrupting))
        }
    }

    mutating func appendSupervisorRestart(_ mount: LiveMount) {
        actions.append(
            Action(
                .remountInPlace(changedFlags: nil), .update, target: spec.mount.path,
                reason: MountExplanation(spec).supervisorGone(mount),
                disruption: .brief))
    }

    // MARK: Directories

    /// Plans missing directories; returns volume paths that cannot hold a quota (not directories).
    mutating func planDirectories() -> Set<String> {
        let wanted = spec.requiredDirectories
        let live = observation.mount.live != nil
        var blocked = Set<String>()
        for path in wanted {
            if formatsVolume {
                actions.append(Action(.createDirectory, .create, target: path, reason: "new volume"))
                continue
            }
            guard live else {
                actions.append(
                    Action(
                        .createDirectory, .create, target: path,
                        reason: "the volume is not mounted yet: created after the mount if missing", conditional: true))
                continue
            }
            // Below a path that is not a directory nothing can be created (the conflict for it says why).
            if HostPath.selfAndAncestors(path).dropLast().contains(where: blocked.contains) { continue }
            switch observation.directories[path] {
            case .directory?:
                break
            case .notDirectory?:
                blocked.insert(path)
                conflicts.append(
                    Conflict(
                        code: .notADirectory, target: path,
                        message: "\(path) on the volume exists but is not a directory",
                        hint: "move it away; juicectl never deletes user files", blocking: false))
            case .missing?, nil:
                actions.append(Action(.createDirectory, .create, target: path, reason: "\(path) does not exist on the volume"))
            }
        }
        return blocked
    }

    // MARK: Quotas

    mutating func planQuotas(skipping blocked: Set<String>) {
        for quota in spec.quotas where !HostPath.selfAndAncestors(quota.path).contains(where: blocked.contains) {
            let describe = QuotaRenderer.limits(quota)
            if formatsVolume {
                actions.append(Action(.setQuota(quota), .create, target: quota.path, reason: "new volume: \(describe)"))
                continue
            }
            guard let reading = observation.quotas?[quota.path] else {
                actions.append(
                    Action(
                        .setQuota(quota), .create, target: quota.path,
                        reason: "quotas could not be read: set \(describe) if it differs", conditional: true))
                continue
            }
            if reading.isNone {
                actions.append(
                    Action(.setQuota(quota), .create, target: quota.path, reason: "no quota on \(quota.path): set \(describe)"))
            } else if !reading.matches(quota) {
                actions.append(
                    Action(
                        .setQuota(quota), .update, target: quota.path,
                        reason: "quota is \(QuotaRenderer.reading(reading)), the spec says \(describe)"))
            }
        }
        let declared = Set(spec.quotas.map(\.path))
        for path in observation.managedQuotaPaths.sorted() where !declared.contains(path) {
            guard let reading = observation.quotas?[path] else { continue }
            if !reading.isNone {
                actions.append(
                    Action(
                        .removeQuota, .delete, target: path,
                        reason: "juicectl set this quota (\(QuotaRenderer.reading(reading))) and the spec no longer declares it"))
            }
        }
    }
}
