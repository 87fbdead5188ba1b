internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Repairs a damaged bookkeeping record the planner found: rebuilds the lineage from the manifests, or moves an
    /// undecodable journal aside. The damaged file is renamed, never deleted.
    func repairBookkeeping(_ damage: BookkeepingDamage, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let files = try await liveVolume(spec)
        return damage.kind.isLineage
            ? try await rebuildLineage(files: files)
            : try await moveJournalAside(damage, files: files)
    }

    /// Rebuilds `lineage.json` from the manifests of the checkpoints that exist.
    private func rebuildLineage(files: VolumeFiles) async throws -> ActionResult.Outcome {
        if case .found = await BookkeepingRecord.lineage(files: files) {
            return .skipped("\(VolumeLayout.lineage) reads again")
        }
        guard let names = await host.listDirectory(files.path(VolumeLayout.manifests), deadline: files.deadline) else {
            throw StepError("cannot list \(VolumeLayout.manifests) on the volume, so the lineage cannot be rebuilt; the damaged file stays")
        }
        var manifests: [CheckpointManifest] = []
        var unreadable: [String] = []
        for file in names.sorted() where file.hasSuffix(".json") && !file.hasPrefix(".") {
            let name = String(file.dropLast(".json".count))
            guard CheckpointName.isValid(name), try await files.inode(VolumeLayout.checkpoint(name)) != nil else { continue }
            if let data = await files.data(VolumeLayout.manifest(name)),
                let manifest = try? CheckpointManifest.decode(data)
            {
                manifests.append(manifest)
            } else {
                unreadable.append(name)
            }
        }
        let lineage = VolumeLineage.rebuilt(from: manifests)
        let kept = try await keepAside(VolumeLayout.lineage, files: files)
        try await files.write(lineage, VolumeLayout.lineage)
        let parent = lineage.activeParent.map { "/active descends from \($0)" } ?? "no checkpoint says what /active descends from"
        let requests =
            lineage.appliedRestoreRequests.isEmpty
            ? "no applied restore request recorded"
            : "applied restore requests \(lineage.appliedRestoreRequests.joined(separator: ", "))"
        let skipped = unreadable.isEmpty ? "" : "; unreadable manifests left out: \(unreadable.joined(separator: ", "))"
        return .done(
            "rebuilt \(VolumeLayout.lineage) from \(manifests.count) manifest(s): \(parent), \(requests)\(skipped); the damaged file is "
                + "kept as \(kept)"
        )
    }

    /// Moves an undecodable journal aside once the trees are as the planner saw them and `/active` is a directory;
    /// each restore clone in staging becomes a pre-restore checkpoint first (without the journal nobody can tell
    /// the clone from the tree it replaced, so neither is removed).
    private func moveJournalAside(_ damage: BookkeepingDamage, files: VolumeFiles) async throws -> ActionResult.Outcome {
        guard let data = await files.data(VolumeLayout.restoreJournal) else {
            if try await files.inode(VolumeLayout.restoreJournal) == nil { return .skipped("\(VolumeLayout.restoreJournal) is gone") }
            throw StepError("\(VolumeLayout.restoreJournal) cannot be read; nothing was moved")
        }
        if (try? CheckpointJSON.decoder.decode(RestoreJournal.self, from: data)) != nil {
            return .skipped("\(VolumeLayout.restoreJournal) reads again; the next plan completes or rolls back its restore")
        }
        let names = await host.listDirectory(files.path(VolumeLayout.staging), deadline: files.deadline) ?? []
        let trees = await BookkeepingRecord.restoreTrees(files: files, stagingNames: names)
        guard trees == damage.trees else {
            throw StepError(
                "the trees changed since the plan (then: \(damage.trees?.summary ?? "not looked at"); now: \(trees.summary)); nothing "
                    + "was moved, run juicectl plan again"
            )
        }
        guard trees.consistent else {
            throw StepError(
                "\(trees.summary): the journal stays until /active is a directory; make /active the tree to keep, then run juicectl apply")
        }
        var keptTrees: [String] = []
        for path in trees.staging.keys.sorted() {
            let name = try await freePreRestoreName(files: files)
            let stagingName = String(path.dropFirst("\(VolumeLayout.staging)/".count))
            let restored = String(
                stagingName.dropFirst(RestoreTrees.stagingPrefix.count).split(separator: ".").dropLast().joined(separator: "."))
            let manifest = CheckpointManifest(
                name: name, createdAt: clock.date(), kind: .preRestore,
                note:
                    "kept when the undecodable restore journal was moved aside: found in staging as \(stagingName) "
                    + "(inode \(trees.staging[path] ?? 0)); it is either the clone of checkpoint \(restored) that was never swapped "
                    + "in or the tree /active held before that restore"
            )
            try await files.write(manifest, VolumeLayout.manifest(name))
            try await files.rename(path, VolumeLayout.checkpoint(name), mode: .noReplace)
            keptTrees.append("\(stagingName) as checkpoint \(name)")
        }
        let kept = try await keepAside(VolumeLayout.restoreJournal, files: files)
        let what = keptTrees.isEmpty ? "" : "; kept \(keptTrees.joined(separator: ", "))"
        return .done("found \(trees.summary); moved the undecodable journal to \(kept)\(what)")
    }

    /// Renames a damaged record to `<path>.damaged-<UTC>` (never over anything), and returns the new path.
    private func keepAside(_ path: String, files: VolumeFiles) async throws -> String {
        let stamp = CheckpointName.timestamp(clock.date())
        var target = "\(path).damaged-\(stamp)"
        var suffix = 1
        while try await files.inode(target) != nil {
            suffix += 1
            target = "\(path).damaged-\(stamp)-\(suffix)"
        }
        try await files.rename(path, target, mode: .noReplace)
        return target
    }

    /// A pre-restore checkpoint name no checkpoint has yet.
    private func freePreRestoreName(files: VolumeFiles) async throws -> String {
        let base = CheckpointName.preRestore(at: clock.date())
        var name = base
        var suffix = 1
        func taken(_ name: String) async throws -> Bool {
            if try await files.inode(VolumeLayout.checkpoint(name)) != nil { return true }
            return try await files.inode(VolumeLayout.manifest(name)) != nil
        }
        while try await taken(name) {
            suffix += 1
            name = "\(base)-\(suffix)"
        }
        return name
    }
}
