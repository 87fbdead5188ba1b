internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// The volume files of a live mount, or an error saying the volume must be mounted first.
    func liveVolume(_ spec: VolumeSpec) async throws -> VolumeFiles {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("the volume is not mounted and answering at \(spec.mount.path); run juicectl apply first")
        }
        let files = VolumeFiles(host: host, mountPath: spec.mount.path)
        try await files.verify()
        return files
    }

    /// Creates checkpoint `request.name`: clone `/active` into staging, write the manifest, rename into place. Until
    /// the rename the checkpoint does not exist; a crash before it leaves a staging clone (and maybe a manifest)
    /// that the next run removes.
    ///
    /// What the copy guarantees: with `checkpoints.quiesce` naming the sandbox's cgroups, every process there is
    /// frozen from just before the clone of `/active` (the working tree and the overlay image) until just after it,
    /// so the checkpoint is the tree at one instant. Without it, each file is copied consistently (a file clone is
    /// atomic in JuiceFS), but a directory clone is not: a tree written during the clone can be copied half before,
    /// half after a change (measured: 2 of 3,000 files missing under a writer that moves files).
    func createCheckpoint(_ request: Action.CheckpointRequest, spec: VolumeSpec) async throws -> StepResult {
        try CheckpointName.validate(request.name)
        let files = try await liveVolume(spec)
        let target = VolumeLayout.checkpoint(request.name)
        if try await files.inode(target) != nil {
            if request.kind == .scheduled { return StepResult(.skipped("checkpoint \(request.name) already exists")) }
            throw StepError("checkpoint \(request.name) already exists; choose another name (existing checkpoints are never overwritten)")
        }
        try await BookkeepingRecord.refuseWhileJournal(
            files: files, inProgress: "a restore is in progress; run juicectl apply to complete or roll it back first")
        if request.durable, let why = Self.durabilityImpossible(spec) {
            throw StepError("checkpoint \(request.name) cannot be durable: \(why); nothing was created")
        }
        for directory in [VolumeLayout.manifests, VolumeLayout.staging, VolumeLayout.trash] {
            try await files.makeDirectories(directory)
        }
        let lineage = try await BookkeepingRecord.checkedLineage(files: files)
        let staging = "\(VolumeLayout.staging)/\(request.name).\(VolumeFiles.token())"
        let createdAt = clock.date()
        let start = clock.now()
        let imageInUse = spec.overlay != nil && upperServesCurrentImage(spec)
        let clone: ActiveClone
        let quiesce: QuiesceReport
        do {
            // Flushed before any freeze, so that the frozen windows have little left to write.
            if imageInUse { try await flushOverlayImage(spec, files: files) }
            (clone, quiesce) = try await quiesced(
                spec, checkpoint: request.name, overlayUpperMount: imageInUse ? spec.overlay?.upperMount : nil
            ) {
                freezeGuard in
                if imageInUse {
                    return try await cloneActiveWithFrozenImage(
                        into: staging, files: files, spec: spec, name: request.name, freezeGuard: freezeGuard)
                }
                let links = try await scanHardLinks(of: VolumeLayout.active, spec: spec) {
                    try await progress.measure("checkpoint \(request.name): cloning /active\(await approximateSize(files))", clock: clock) {
                        try await juicefs.clone(files.path(VolumeLayout.active), files.path(staging))
                    }
                }
                return ActiveClone(links: links)
            }
        } catch {
            // Nothing became a checkpoint: a staging clone that got made goes now (or, if that fails, with the next run).
            if (try? await files.inode(staging)) != nil { try? await juicefs.rmr(files.path(staging)) }
            throw error
        }
        let cloneTime = clock.now() - start
        // Hard links are made again in the copy after the thaw: the repair touches only the staging clone.
        let (linksNote, hardLinks) = try await repairHardLinks(clone.links, of: VolumeLayout.active, in: staging, files: files, spec: spec)
        FaultPoint.reach("checkpoint.after-clone")
        let manifest = CheckpointManifest(
            name: request.name, createdAt: createdAt, kind: request.kind, parent: lineage.activeParent,
            pinned: request.pinned, labels: request.labels, note: request.note)
        try await files.write(manifest, VolumeLayout.manifest(request.name))
        FaultPoint.reach("checkpoint.after-manifest")
        do {
            try await files.rename(staging, target, mode: .noReplace)
        } catch {
            try? await files.remove(VolumeLayout.manifest(request.name))
            throw error
        }
        FaultPoint.reach("checkpoint.after-rename")
        var updated = lineage
        updated.activeParent = request.name
        try await files.write(updated, VolumeLayout.lineage)
        var notes: [String] = []
        var durableFor: Duration?
        if request.durable {
            do {
                durableFor = try await makeDurable(spec)
            } catch {
                throw StepError(
                    "checkpoint \(request.name) was created but is not durable: \(Self.describe(error)). The checkpoint is kept; "
                        + "juicectl status shows the Durable condition until nothing of it is only on this host"
                )
            }
            notes.append(
                "durable after \(durableFor?.milliseconds ?? 0) ms more (no block only staged here, the replica holds its metadata)")
        }
        if spec.checkpoints.quiesce == nil {
            notes.append("not quiesced: each file is consistent, the tree is not one instant if it was written meanwhile")
        } else if !quiesce.summary.isEmpty {
            notes.append("point in time: \(quiesce.summary)")
        }
        if let frozen = clone.imageFrozenFor { notes.append("overlay image frozen for \(frozen.milliseconds) ms") }
        if request.pinned { notes.append("pinned") }
        var details = ActionResult.Details(
            frozenMilliseconds: quiesce.frozenFor?.milliseconds,
            frozenCgroups: quiesce.frozen.isEmpty ? nil : quiesce.frozen,
            imageFrozenMilliseconds: clone.imageFrozenFor?.milliseconds,
            pointInTime: spec.checkpoints.quiesce != nil, hardLinks: hardLinks)
        details.durableMilliseconds = durableFor?.milliseconds
        let message =
            "created \(request.kind.rawValue) checkpoint \(request.name) (clone of /active in \(cloneTime.milliseconds) ms\(linksNote); "
            + "\(notes.joined(separator: "; ")))"
        return StepResult(.done(message), details: details)
    }

    /// What cloning `/active` measured.
    struct ActiveClone: Sendable {
        /// How long the overlay image's filesystem was frozen, when the overlay was in use.
        var imageFrozenFor: Duration?
        /// The hard links of `/active`, found while it was cloned.
        var links: HardLinkScan
    }

    /// Syncs the image's filesystem and fsyncs the image file on JuiceFS, before anything is frozen.
    func flushOverlayImage(_ spec: VolumeSpec, files: VolumeFiles) async throws {
        guard let overlay = spec.overlay else { return }
        _ = try await runner.run(Command(tools.sync, ["--file-system", overlay.upperMount], timeout: .seconds(120)))
        _ = await host.fsync(files.path(VolumeSpec.OverlaySettings.imagePath), deadline: .seconds(120))
    }

    /// Clones `/active` into `staging` while the overlay is in use.
    ///
    /// Only the image needs a point-in-time copy coordinated with its writer: the ext4 filesystem on the loop device
    /// must be quiescent, or the clone captures a torn filesystem that needs journal recovery (measured). So the
    /// filesystem is frozen, the image file is fsync'ed on JuiceFS (the loop device writes through the page cache of
    /// the image file, and `juicefs clone` copies what the metadata engine has), the image alone is cloned, and the
    /// filesystem is thawed. The rest of `/active` (the working tree, written through JuiceFS, which freezing the
    /// ext4 does not quiesce) is cloned after the thaw, entry by entry. Without quiesce, a directory clone of a tree
    /// being written is consistent per file but not atomic whether or not the image is frozen meanwhile, so cloning
    /// it outside the image's frozen window loses nothing; with quiesce, all of it runs inside the sandbox's frozen
    /// window (this function is the body of ``quiesced(_:checkpoint:overlayUpperMount:_:)``).
    func cloneActiveWithFrozenImage(
        into staging: String, files: VolumeFiles, spec: VolumeSpec, name: String,
        freezeGuard: FreezeGuard?
    ) async throws -> ActiveClone {
        try await files.makeDirectories(staging)
        try await files.copyOwnership(from: VolumeLayout.active, to: staging)
        let imageName = (VolumeSpec.OverlaySettings.imagePath as NSString).lastPathComponent
        let image = files.path(VolumeSpec.OverlaySettings.imagePath)
        let (_, frozenFor) = try await whileFrozen(spec, freezeGuard: freezeGuard, checkpoint: name) {
            let code = await host.fsync(image, deadline: .seconds(60))
            guard code == 0 else { throw StepError("fsync of the overlay image failed: \(String(cString: strerror(code)))") }
            try await juicefs.clone(image, files.path("\(staging)/\(imageName)"))
            try FaultPoint.check("overlay.after-image-clone")
        }
        // A listing that fails must fail the checkpoint: an empty list would give a checkpoint of the image alone.
        guard let entries = await host.listDirectory(files.path(VolumeLayout.active), deadline: .seconds(30)) else {
            throw StepError("cannot list /active to clone it after the overlay image; the checkpoint was not created")
        }
        let links = try await scanHardLinks(of: VolumeLayout.active, spec: spec) {
            try await progress.measure("checkpoint \(name): cloning the rest of /active\(await approximateSize(files))", clock: clock) {
                for entry in entries.sorted() where entry != imageName {
                    try await juicefs.clone(files.path("\(VolumeLayout.active)/\(entry)"), files.path("\(staging)/\(entry)"))
                }
            }
        }
        return ActiveClone(imageFrozenFor: frozenFor, links: links)
    }

    /// ` (about N files)` when the quota on `/active/fs` counts them (statfs on a quota'd directory reports its inode
    /// use), else nothing: `juicefs clone` reports no progress and its destination appears only when it is complete,
    /// so the size of the source is what a terminal can be shown.
    func approximateSize(_ files: VolumeFiles) async -> String {
        guard let tree = await host.statfs(files.path("/active/fs"), deadline: .seconds(2)),
            let root = await host.statfs(files.mountPath, deadline: .seconds(2)),
            tree.freeFiles != root.freeFiles, tree.files >= tree.freeFiles
        else { return "" }
        return " (about \(tree.files - tree.freeFiles) files)"
    }

    /// Deletes a checkpoint: rename it into the trash (it stops existing at once), remove its manifest, then
    /// `juicefs rmr` the tree. Space returns when the volume's trash days have passed.
    func deleteCheckpoint(_ request: Action.CheckpointRequest, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        try CheckpointName.validate(request.name)
        let files = try await liveVolume(spec)
        let target = VolumeLayout.checkpoint(request.name)
        guard try await files.inode(target) != nil else { throw StepError("checkpoint \(request.name) does not exist") }
        let manifest = try? await files.read(CheckpointManifest.self, VolumeLayout.manifest(request.name))
        if manifest?.pinned == true && !request.force {
            throw StepError("checkpoint \(request.name) is pinned; delete it with --force")
        }
        if let journal = try await files.read(RestoreJournal.self, VolumeLayout.restoreJournal), journal.checkpoint == request.name {
            throw StepError("checkpoint \(request.name) is the source of a restore in progress; run juicectl apply first")
        }
        // A checkpoint something still reaches (an old bind mount of a replaced tree, a shell in it) is kept.
        let present = try await users(of: target, spec: spec)
        if !present.isEmpty && !request.force {
            throw Self.inUse(target, present, what: "checkpoint \(request.name) is kept", hint: "Stop them, or delete it with --force.")
        }
        try await files.makeDirectories(VolumeLayout.trash)
        let trash = "\(VolumeLayout.trash)/\(request.name).\(VolumeFiles.token())"
        try await files.rename(target, trash, mode: .noReplace)
        FaultPoint.reach("delete.after-trash")
        try await files.remove(VolumeLayout.manifest(request.name))
        FaultPoint.reach("delete.after-manifest")
        try await progress.measure("delete \(request.name): removing its tree", clock: clock) {
            try await juicefs.rmr(files.path(trash))
        }
        let days = await observer.formatInfo(spec)?.trashDays ?? spec.format.trashDays
        let space = days > 0 ? "its space returns after the volume's trash days (\(days))" : "its space returns now (trash is off)"
        return .done("deleted checkpoint \(request.name); \(space)")
    }

    /// Removes what an interrupted create, delete or restore left behind.
    func removeLeftover(_ volumePath: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        // Only an entry directly inside staging or trash, or a manifest file: never a path that climbs out with `..`.
        let manifest = Self.entry(volumePath, in: VolumeLayout.manifests).flatMap { $0.hasSuffix(".json") ? $0 : nil }
        guard
            manifest != nil || Self.entry(volumePath, in: VolumeLayout.staging) != nil
                || Self.entry(volumePath, in: VolumeLayout.trash) != nil
        else {
            throw StepError("\(volumePath) is not juicectl's staging or trash; not removing it")
        }
        let files = try await liveVolume(spec)
        guard try await files.inode(volumePath) != nil else { return .skipped("\(volumePath) is already gone") }
        if let manifest {
            let name = String(manifest.dropLast(".json".count))
            guard try await files.inode(VolumeLayout.checkpoint(name)) == nil else {
                return .skipped("checkpoint \(name) exists again; its manifest stays")
            }
            try await files.remove(volumePath)
            return .done("removed the orphan manifest \(volumePath)")
        }
        if let journal = try await files.read(RestoreJournal.self, VolumeLayout.restoreJournal), journal.stagingPath == volumePath {
            return .skipped("\(volumePath) belongs to the restore in progress")
        }
        try await progress.measure("removing \(volumePath)", clock: clock) {
            try await juicefs.rmr(files.path(volumePath))
        }
        return .done("removed \(volumePath)")
    }

    /// The name of `volumePath` when it lies directly inside `directory` (one component, not `.` or `..`).
    static func entry(_ volumePath: String, in directory: String) -> String? {
        guard volumePath.hasPrefix(directory + "/") else { return nil }
        let name = volumePath.dropFirst(directory.count + 1)
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return nil }
        return String(name)
    }
}
