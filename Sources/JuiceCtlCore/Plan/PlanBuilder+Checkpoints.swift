internal import Foundation

extension PlanBuilder {
    /// A restore that did not finish comes first (everything on `/active` depends on it), then what interrupted
    /// creates and deletes left behind.
    mutating func planCheckpointRecovery() {
        guard let catalog = observation.catalog else { return }
        if let progress = catalog.restore {
            let journal = progress.journal
            let reason = progress.swapped
                ? "the restore of \(journal.checkpoint) started \(Self.utc(journal.startedAt)) stopped after /active was swapped: complete it (the replaced tree becomes checkpoint \(journal.asideName))"
                : "the restore of \(journal.checkpoint) started \(Self.utc(journal.startedAt)) stopped before /active was swapped: roll it back (remove its staging clone; /active is untouched)"
            actions.append(Action(.resumeRestore, progress.swapped ? .update : .delete, target: VolumeLayout.active, reason: reason,
                                  checkpoint: .init(name: journal.checkpoint, requestId: journal.requestId)))
        }
        for leftover in catalog.leftovers {
            let what = switch leftover.kind {
            case .staging: "a clone an interrupted checkpoint or restore left in staging"
            case .trash: "a checkpoint whose removal was interrupted"
            case .orphanManifest: "a manifest whose checkpoint directory does not exist (an interrupted create or delete)"
            }
            actions.append(Action(.removeLeftover, .delete, target: leftover.path, reason: "\(what); it was never a listed checkpoint",
                                  leftover: leftover))
        }
    }

    /// The spec's restore request, while its id has not been applied to this volume.
    mutating func planRestoreRequest() {
        guard let request = spec.restore else { return }
        if formatsVolume {
            conflicts.append(Conflict(code: "RestoreTargetMissing", target: "restore.checkpoint",
                                      message: "restore request \(request.requestId) names checkpoint \(request.checkpoint), but the volume is new and has none",
                                      hint: "remove the restore section, or create the checkpoint first", blocking: false))
            return
        }
        guard let catalog = observation.catalog else { return }
        if catalog.lineage.appliedRestoreRequests.contains(request.requestId) { return }
        if catalog.restore != nil { return }
        guard catalog.restoreTargetExists ?? (catalog.entry(request.checkpoint) != nil) else {
            conflicts.append(Conflict(code: "RestoreTargetMissing", target: "restore.checkpoint",
                                      message: "restore request \(request.requestId) names checkpoint \(request.checkpoint), which does not exist",
                                      hint: "juicectl checkpoint list shows the checkpoints", blocking: false))
            return
        }
        actions.append(Action(.restore, .replace, target: VolumeLayout.active,
                              reason: "restore request \(request.requestId) has not been applied: /active becomes a clone of checkpoint \(request.checkpoint), the current tree is kept as a pre-restore checkpoint",
                              disruption: .interrupting,
                              checkpoint: .init(name: request.checkpoint, requestId: request.requestId)))
    }

    /// A due scheduled checkpoint, then what retention removes.
    mutating func planScheduleAndRetention() {
        let settings = spec.checkpoints
        guard settings.schedule != nil || settings.retain != nil else { return }
        // A new volume has no checkpoint; an unmounted one cannot be read yet (the next round sees it).
        guard var known = formatsVolume ? [] : observation.catalog?.entries else { return }
        if let schedule = settings.schedule, let slot = schedule.dueSlot(at: observation.now, checkpoints: known) {
            let name = CheckpointName.scheduled(slot: slot)
            let lastScheduled = known.filter { $0.kind == .scheduled }.compactMap(\.createdAt).max()
            let since = lastScheduled.map { "the last scheduled checkpoint is from \(Self.utc($0))" } ?? "there is no scheduled checkpoint yet"
            actions.append(Action(.createCheckpoint, .create, target: name,
                                  reason: "schedule \(schedule): the slot \(Self.utc(slot)) is due and \(since)",
                                  checkpoint: .init(name: name, kind: .scheduled)))
            known.append(CheckpointEntry(name: name, manifest: CheckpointManifest(name: name, createdAt: observation.now, kind: .scheduled)))
        }
        guard let retain = settings.retain else { return }
        let pendingRestore = actions.contains { $0.kind == .restore || $0.kind == .resumeRestore }
        for decision in retain.decide(known) where !decision.keep {
            // A restore running in this plan must not lose its source.
            if pendingRestore && (spec.restore?.checkpoint == decision.name || observation.catalog?.restore?.journal.checkpoint == decision.name) {
                continue
            }
            actions.append(Action(.deleteCheckpoint, .delete, target: decision.name,
                                  reason: "retention: \(decision.reasons.joined(separator: "; "))",
                                  checkpoint: .init(name: decision.name)))
        }
    }

    static func utc(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
