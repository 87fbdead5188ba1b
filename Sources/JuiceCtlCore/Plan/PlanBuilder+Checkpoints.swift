internal import Foundation

extension PlanBuilder {
    /// A restore that did not finish comes first (everything on `/active` depends on it), then what interrupted
    /// creates and deletes left behind.
    mutating func planCheckpointRecovery() {
        guard let catalog = observation.catalog else { return }
        planBookkeepingRepair()
        if let progress = catalog.restore {
            let journal = progress.journal
            let reason =
                progress.swapped
                ? "the restore of \(journal.checkpoint) started \(Self.utc(journal.startedAt)) stopped after /active was swapped: complete "
                    + "it (the replaced tree becomes checkpoint \(journal.asideName))"
                : "the restore of \(journal.checkpoint) started \(Self.utc(journal.startedAt)) stopped before /active was swapped: roll it "
                    + "back (remove its staging clone; /active is untouched)"
            actions.append(
                Action(
                    .resumeRestore(.init(name: journal.checkpoint, requestId: journal.requestId)), progress.swapped ? .update : .delete,
                    target: VolumeLayout.active, reason: reason))
        }
        for leftover in catalog.leftovers where !keptForDamagedJournal(leftover) {
            let what =
                switch leftover.kind {
                case .staging: "a clone an interrupted checkpoint or restore left in staging"
                case .trash: "a checkpoint whose removal was interrupted"
                case .orphanManifest: "a manifest whose checkpoint directory does not exist (an interrupted create or delete)"
                }
            actions.append(
                Action(
                    .removeLeftover(leftover), .delete, target: leftover.path, reason: "\(what); it was never a listed checkpoint"))
        }
    }

    /// The spec's restore request, while its id has not been applied to this volume.
    mutating func planRestoreRequest() {
        guard let request = spec.restore else { return }
        if formatsVolume {
            conflicts.append(
                Conflict(
                    code: .restoreTargetMissing, target: "restore.checkpoint",
                    message:
                        "restore request \(request.requestId) names checkpoint \(request.checkpoint), but the volume is new and has none",
                    hint: "remove the restore section, or create the checkpoint first", blocking: false))
            return
        }
        guard let catalog = observation.catalog else { return }
        // A damaged lineage cannot say whether the request was applied: nothing is restored until it is rebuilt.
        if catalog.lineageDamaged || catalog.journalDamaged { return }
        if catalog.lineage.appliedRestoreRequests.contains(request.requestId) { return }
        if catalog.restore != nil { return }
        guard catalog.restoreTargetExists ?? (catalog.entry(request.checkpoint) != nil) else {
            conflicts.append(
                Conflict(
                    code: .restoreTargetMissing, target: "restore.checkpoint",
                    message: "restore request \(request.requestId) names checkpoint \(request.checkpoint), which does not exist",
                    hint: "juicectl checkpoint list shows the checkpoints", blocking: false))
            return
        }
        var reason =
            "restore request \(request.requestId) has not been applied: /active becomes a clone of checkpoint \(request.checkpoint), the "
            + "current tree is kept as a pre-restore checkpoint"
        let users = (observation.treeUsers ?? []).filter { $0.tree == VolumeLayout.active }
        if !users.isEmpty {
            // A mount in juicectl's own namespace outlives any process: terminating cannot free the tree.
            let pinned = users.filter(\.outlivesProcesses)
            guard request.terminateUsers && pinned.isEmpty else {
                conflicts.append(
                    Conflict(
                        code: .restoreTargetInUse, target: VolumeLayout.active,
                        message:
                            "restore request \(request.requestId) waits: /active is in use: "
                            + "\(TreeUser.summary(request.terminateUsers ? pinned : users))",
                        hint: request.terminateUsers
                            ? "unmount those mounts (terminating processes cannot end a mount in juicectl's own namespace)"
                            : "stop them, or set restore.terminateUsers: true to have them terminated (SIGTERM, then SIGKILL after "
                                + "restore.grace)",
                        blocking: false))
                return
            }
            reason += "; first terminates what uses /active (SIGTERM, then SIGKILL after \(request.grace)): \(TreeUser.summary(users))"
        }
        var checkpoint = Action.CheckpointRequest(name: request.checkpoint, requestId: request.requestId)
        checkpoint.terminateUsers = request.terminateUsers
        checkpoint.grace = request.grace
        actions.append(
            Action(
                .restore(checkpoint), .replace, target: VolumeLayout.active, reason: reason, disruption: .interrupting))
    }

    /// A due scheduled checkpoint, then what retention removes (but not a checkpoint something still uses).
    mutating func planScheduleAndRetention() {
        let settings = spec.checkpoints
        guard settings.schedule != nil || settings.retain != nil else { return }
        // A new volume has no checkpoint; an unmounted one cannot be read yet (the next round sees it).
        guard let known = formatsVolume ? [] : observation.catalog?.entries else { return }
        if let due = RetentionPlan.dueCheckpoint(settings, entries: known, now: observation.now), let schedule = settings.schedule {
            let lastScheduled = known.filter { $0.kind == .scheduled }.compactMap(\.createdAt).max()
            let since =
                lastScheduled.map { "the last scheduled checkpoint is from \(Self.utc($0))" } ?? "there is no scheduled checkpoint yet"
            var request = Action.CheckpointRequest(name: due.name, kind: .scheduled)
            request.durable = settings.durable
            actions.append(
                Action(
                    .createCheckpoint(request), .create, target: due.name,
                    reason:
                        "schedule \(schedule): the slot \(Self.utc(due.slot)) is due and \(since)\(settings.durable ? "; durable" : "")"))
        }
        let pendingRestore = actions.contains { $0.kind == .restore || $0.kind == .resumeRestore }
        for decision in RetentionPlan.decisions(settings, entries: known, now: observation.now) where !decision.keep {
            // A restore running in this plan must not lose its source.
            if pendingRestore
                && (spec.restore?.checkpoint == decision.name || observation.catalog?.restore?.journal.checkpoint == decision.name)
            {
                continue
            }
            let users = (observation.treeUsers ?? []).filter { $0.tree == VolumeLayout.checkpoint(decision.name) }
            if !users.isEmpty {
                notes.append(
                    PlanNote(
                        kind: .keptInUse, target: decision.name,
                        message:
                            "retention would remove it (\(decision.reasons.joined(separator: "; "))), but it is in use: "
                            + "\(TreeUser.summary(users)); it is kept until nothing uses it"
                    ))
                continue
            }
            actions.append(
                Action(
                    .deleteCheckpoint(.init(name: decision.name)), .delete, target: decision.name,
                    reason: "retention: \(decision.reasons.joined(separator: "; "))"))
        }
    }

    static func utc(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
