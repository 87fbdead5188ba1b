internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Restores `/active` to checkpoint `request.name`, never leaving the volume without an `/active` tree and never
    /// losing either tree:
    ///
    /// 1. a journal records the restore (and the inode of the current `/active`);
    /// 2. the checkpoint is cloned into staging while `/active` is untouched, and its hard links are re-linked there;
    /// 3. the manifest of the tree about to be replaced is written (a pre-restore checkpoint);
    /// 4. staging and `/active` are exchanged atomically (`renameat2(RENAME_EXCHANGE)`);
    /// 5. the replaced tree is renamed into `checkpoints/pre-restore-<UTC>`;
    /// 6. the spec's quotas are set on the new `/active` paths and removed from the replaced tree (a JuiceFS quota
    ///    follows its directory);
    /// 7. the lineage (and the request id) is recorded and the journal removed.
    ///
    /// A crash before step 4 is rolled back by the next run, a crash after it completed (``resumeRestore(spec:)``).
    ///
    /// A tree in use is never swapped from under its users: processes whose working directory, root, open files or
    /// memory maps are in `/active` or the overlay, and mounts of any part of it, in any mount namespace. They make
    /// the restore refuse before anything changes, or, with `request.terminateUsers`, are terminated once the
    /// checkpoint is cloned (so that the tree is in use for as short a time as can be). Just before the swap the tree
    /// is looked at again: anything found then rolls the restore back.
    func restore(_ request: Action.CheckpointRequest, spec: VolumeSpec) async throws -> StepResult {
        try CheckpointName.validate(request.name)
        let files = try await liveVolume(spec)
        try await BookkeepingRecord.refuseWhileJournal(
            files: files, inProgress: "another restore is in progress; run juicectl apply to complete or roll it back first")
        guard try await files.inode(VolumeLayout.checkpoint(request.name)) != nil else {
            throw StepError("checkpoint \(request.name) does not exist")
        }
        if let requestId = request.requestId,
            try await BookkeepingRecord.checkedLineage(files: files).appliedRestoreRequests.contains(requestId)
        {
            return StepResult(.skipped("restore request \(requestId) was already applied to this volume"))
        }
        let present = try await users(of: VolumeLayout.active, spec: spec)
        let pinned = present.filter(\.outlivesProcesses)
        if !present.isEmpty && (!request.terminateUsers || !pinned.isEmpty) {
            throw Self.inUse(
                VolumeLayout.active, request.terminateUsers ? pinned : present, what: "nothing was restored",
                hint: request.terminateUsers
                    ? "Unmount those mounts first: terminating processes cannot end a mount in juicectl's own namespace."
                    : "Stop them, or restore with --terminate-users (restore.terminateUsers: true in a spec): SIGTERM, then SIGKILL "
                        + "after the grace."
            )
        }
        guard let activeInode = try await files.inode(VolumeLayout.active) else {
            throw StepError("/active does not exist on the volume; run juicectl apply first")
        }
        for directory in [VolumeLayout.manifests, VolumeLayout.staging] { try await files.makeDirectories(directory) }
        let now = clock.date()
        var asideName = CheckpointName.preRestore(at: now)
        var suffix = 1
        while try await files.inode(VolumeLayout.checkpoint(asideName)) != nil {
            suffix += 1
            asideName = "\(CheckpointName.preRestore(at: now))-\(suffix)"
        }
        let journal = RestoreJournal(
            checkpoint: request.name, requestId: request.requestId,
            stagingPath: "\(VolumeLayout.staging)/restore-\(request.name).\(VolumeFiles.token())",
            asideName: asideName, activeInode: activeInode, startedAt: now)
        try await files.write(journal, VolumeLayout.restoreJournal)
        FaultPoint.reach("restore.after-journal")
        let start = clock.now()
        let linksNote: String
        do {
            linksNote = try await cloneKeepingHardLinks(
                of: VolumeLayout.checkpoint(request.name), into: journal.stagingPath,
                files: files, spec: spec
            ) {
                try await progress.measure("restore \(request.name): cloning the checkpoint", clock: clock) {
                    try await juicefs.clone(files.path(VolumeLayout.checkpoint(request.name)), files.path(journal.stagingPath))
                }
            }
        } catch {
            // Nothing was swapped: undo, and say why.
            _ = try? await rollBack(journal, files: files)
            throw error
        }
        FaultPoint.reach("restore.after-clone")
        let lineage = try await BookkeepingRecord.checkedLineage(files: files)
        let aside = CheckpointManifest(
            name: asideName, createdAt: now, kind: .preRestore, parent: lineage.activeParent,
            note: "the live tree before checkpoint \(request.name) was restored", replacedBy: request.name,
            restoreRequestId: request.requestId)
        try await files.write(aside, VolumeLayout.manifest(asideName))
        FaultPoint.reach("restore.after-manifest")
        var terminated: [Int32] = []
        do {
            if request.terminateUsers {
                terminated = try await terminateUsers(of: VolumeLayout.active, spec: spec, grace: request.grace.duration)
            }
            // Looked at again right before the swap: a user that came meanwhile stops the restore.
            let late = try await users(of: VolumeLayout.active, spec: spec)
            guard late.isEmpty else {
                throw Self.inUse(
                    VolumeLayout.active, late, what: "the restore was rolled back and /active is unchanged",
                    hint: "Stop them, or restore with --terminate-users.")
            }
        } catch {
            _ = try? await rollBack(journal, files: files)
            throw error
        }
        do {
            // The overlay and its image come down before the swap (refused while in use: nothing swapped then).
            try await tearDownOverlay(spec)
        } catch {
            _ = try? await rollBack(journal, files: files)
            throw StepError("the overlay could not be taken down, so nothing was restored: \(error)")
        }
        try await files.rename(journal.stagingPath, VolumeLayout.active, mode: .exchange)
        FaultPoint.reach("restore.after-exchange")
        var note = try await completeSwappedRestore(journal, files: files, spec: spec, oldQuotasKnown: true)
        do {
            note += try await bringUpOverlay(spec)
        } catch {
            throw StepError(
                "restored /active to checkpoint \(request.name), but the overlay did not come back up: \(error); juicectl apply retries it")
        }
        let ended =
            terminated.isEmpty
            ? ""
            : "; terminated \(terminated.count) process(es) that used /active first "
                + "(pid \(terminated.map(String.init).joined(separator: ", ")))"
        return StepResult(
            .done(
                "restored /active to checkpoint \(request.name) (clone in \((clock.now() - start).milliseconds) ms\(linksNote)); the "
                    + "replaced tree is checkpoint \(asideName)\(note)\(ended)"
            ),
            details: ActionResult.Details(terminatedPIDs: terminated.isEmpty ? nil : terminated))
    }

    /// Completes or rolls back a restore whose journal is still on the volume.
    func resumeRestore(spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let files = try await liveVolume(spec)
        guard let journal = try await files.read(RestoreJournal.self, VolumeLayout.restoreJournal) else {
            return .skipped("no restore is in progress")
        }
        let active = try await files.inode(VolumeLayout.active)
        let staging = try await files.inode(journal.stagingPath)
        switch (active, staging) {
        case (let active?, _) where active == journal.activeInode:
            return .done(try await rollBack(journal, files: files))
        case (_?, _):
            let note = try await completeSwappedRestore(journal, files: files, spec: spec)
            return .done("completed the restore of \(journal.checkpoint); the replaced tree is checkpoint \(journal.asideName)\(note)")
        case (nil, let staging?) where staging == journal.activeInode:
            // Not reachable with an atomic exchange; put the original tree back.
            try await files.rename(journal.stagingPath, VolumeLayout.active, mode: .noReplace)
            return .done(try await rollBack(journal, files: files))
        case (nil, _?):
            try await files.rename(journal.stagingPath, VolumeLayout.active, mode: .noReplace)
            let note = try await completeSwappedRestore(journal, files: files, spec: spec)
            return .done("completed the restore of \(journal.checkpoint)\(note)")
        case (nil, nil):
            if try await files.inode(VolumeLayout.checkpoint(journal.asideName)) == journal.activeInode {
                try await files.rename(VolumeLayout.checkpoint(journal.asideName), VolumeLayout.active, mode: .noReplace)
                return .done(try await rollBack(journal, files: files))
            }
            throw StepError(
                "neither /active nor the restore's staging tree exists; inspect \(VolumeLayout.checkpoints) before anything else")
        }
    }

    /// Steps 5 to 7 of a restore: the replaced tree (now at the staging path) becomes the pre-restore checkpoint,
    /// quotas move to the new tree, the lineage is recorded, the journal removed. Each step checks whether it already
    /// happened, so running it again after a crash is safe.
    ///
    /// - Parameter oldQuotasKnown: the replaced tree certainly still carries the spec's quotas (a restore that just
    ///   swapped, not one resumed after a crash): they are deleted without waiting for `juicefs quota list`.
    private func completeSwappedRestore(
        _ journal: RestoreJournal, files: VolumeFiles, spec: VolumeSpec,
        oldQuotasKnown: Bool = false
    ) async throws -> String {
        let aside = VolumeLayout.checkpoint(journal.asideName)
        if try await files.inode(journal.stagingPath) != nil {
            if try await files.inode(VolumeLayout.manifest(journal.asideName)) == nil {
                // The lineage still names what the replaced tree descended from: it is updated last.
                let parent = try await BookkeepingRecord.checkedLineage(files: files).activeParent
                let manifest = CheckpointManifest(
                    name: journal.asideName, createdAt: journal.startedAt, kind: .preRestore, parent: parent,
                    note: "the live tree before checkpoint \(journal.checkpoint) was restored",
                    replacedBy: journal.checkpoint, restoreRequestId: journal.requestId)
                try await files.write(manifest, VolumeLayout.manifest(journal.asideName))
            }
            try await files.rename(journal.stagingPath, aside, mode: .noReplace)
        }
        FaultPoint.reach("restore.after-aside")
        // From here on the restore completes whatever fails: the restored tree is /active and the replaced one a
        // checkpoint; a quota step that fails is recorded, and the volume reads Degraded until it is resolved.
        let (note, problems) = await moveQuotas(toNewActiveOf: spec, awayFrom: aside, files: files, oldQuotasKnown: oldQuotasKnown)
        FaultPoint.reach("restore.after-quotas")
        var lineage = try await BookkeepingRecord.checkedLineage(files: files)
        lineage.activeParent = journal.checkpoint
        if let requestId = journal.requestId, !lineage.appliedRestoreRequests.contains(requestId) {
            lineage.appliedRestoreRequests.append(requestId)
        }
        try await files.write(lineage, VolumeLayout.lineage)
        FaultPoint.reach("restore.after-lineage")
        let shortfall =
            problems.isEmpty ? nil : RestoreShortfall(checkpoint: journal.checkpoint, completedAt: clock.date(), problems: problems)
        try StateStore(stateDir: spec.stateDir, host: host).update { $0.restoreShortfall = shortfall }
        try await files.remove(VolumeLayout.restoreJournal)
        guard let shortfall else { return note }
        let undone = shortfall.problems.map { "\($0.path) (\($0.reason.rawValue): \($0.message))" }.joined(separator: "; ")
        return note + "; DEGRADED, the restore completed without: \(undone)"
    }

    /// Undoes a restore that never swapped: removes its staging clone and the manifest it wrote.
    private func rollBack(_ journal: RestoreJournal, files: VolumeFiles) async throws -> String {
        if try await files.inode(journal.stagingPath) != nil {
            try await juicefs.rmr(files.path(journal.stagingPath))
        }
        if try await files.inode(VolumeLayout.checkpoint(journal.asideName)) == nil {
            try await files.remove(VolumeLayout.manifest(journal.asideName))
        }
        try await files.remove(VolumeLayout.restoreJournal)
        return "rolled back the restore of \(journal.checkpoint) that stopped before the swap: /active is unchanged"
    }

    /// Sets the spec's quotas that lie under `/active` on the new tree (creating their directories, never through a
    /// symbolic link; each set and read back, as the set-quota step does), and removes every quota left on the
    /// replaced tree, checked with `juicefs quota list`. The three kinds of `juicefs` call run at once (each is
    /// mostly process start-up): setting the new quotas, deleting the ones the spec put on the old tree (when
    /// `oldQuotasKnown`), and listing; whatever else the list shows under the replaced tree is deleted after it.
    ///
    /// Nothing here throws: the swap is done, so each step that fails becomes a problem of the restore's shortfall
    /// (the volume is Degraded), and the rest go on.
    private func moveQuotas(
        toNewActiveOf spec: VolumeSpec, awayFrom aside: String, files: VolumeFiles,
        oldQuotasKnown: Bool
    ) async -> (note: String, problems: [RestoreShortfall.Problem]) {
        let declared = spec.quotas.filter { HostPath.isWithin($0.path, VolumeLayout.active) }
        let expectedOnAside = oldQuotasKnown ? declared.map { aside + $0.path.dropFirst(VolumeLayout.active.count) } : []
        let juicefs = self.juicefs
        let url = spec.metadata
        async let setting: (set: [VolumeSpec.Quota], problems: [RestoreShortfall.Problem]) = {
            var set: [VolumeSpec.Quota] = []
            var problems: [RestoreShortfall.Problem] = []
            for quota in declared {
                do {
                    try await refuseSymbolicLinks(in: files.path(quota.path), spec: spec)
                } catch {
                    problems.append(.init(path: quota.path, reason: .quotaPathIsSymbolicLink, message: Self.describe(error)))
                    continue
                }
                do {
                    try await files.makeDirectories(quota.path)
                } catch {
                    problems.append(.init(path: quota.path, reason: .quotaDirectoryNotCreated, message: Self.describe(error)))
                    continue
                }
                do {
                    try await setVerified(quota, spec: spec)
                    set.append(quota)
                } catch {
                    problems.append(.init(path: quota.path, reason: .quotaNotSet, message: Self.describe(error)))
                }
            }
            return (set, problems)
        }()
        async let listing: Result<[String: QuotaReading], any Error> = {
            do { return .success(try await juicefs.quotaList(url)) } catch { return .failure(error) }
        }()
        async let deleting: (removed: [String], problems: [RestoreShortfall.Problem]) = {
            var removed: [String] = []
            var problems: [RestoreShortfall.Problem] = []
            for path in expectedOnAside where (try? await files.inode(path)) != nil {
                do {
                    try await juicefs.quotaDelete(url, path: path)
                    removed.append(path)
                } catch {
                    problems.append(.init(path: path, reason: .replacedTreeQuotaKept, message: Self.describe(error)))
                }
            }
            return (removed, problems)
        }()
        let (set, setProblems) = await setting
        var problems = setProblems
        for quota in set {
            do { try record(quota, spec: spec, setNow: true) } catch {
                problems.append(
                    .init(
                        path: quota.path, reason: .quotaNotSet,
                        message: "set, but not recorded in juicectl's state: \(Self.describe(error))"))
            }
        }
        var (removed, deleteProblems) = await deleting
        problems += deleteProblems
        let failedDeletes = Set(deleteProblems.map(\.path))
        switch await listing {
        case .success(let quotas):
            for path in quotas.keys.sorted()
            where HostPath.isWithin(path, aside) && !removed.contains(path) && !failedDeletes.contains(path) {
                do {
                    try await juicefs.quotaDelete(url, path: path)
                    removed.append(path)
                } catch {
                    problems.append(.init(path: path, reason: .replacedTreeQuotaKept, message: Self.describe(error)))
                }
            }
        case .failure(let error):
            problems.append(
                .init(
                    path: aside, reason: .replacedTreeQuotaKept,
                    message: "juicefs quota list failed, so quotas left on the replaced tree are not known: \(Self.describe(error))"))
        }
        var parts: [String] = []
        if !set.isEmpty { parts.append("quotas set on \(set.map(\.path).joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed from the replaced tree: \(removed.sorted().joined(separator: ", "))") }
        return (parts.isEmpty ? "" : "; " + parts.joined(separator: "; "), problems)
    }
}
