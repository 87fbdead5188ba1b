internal import JuiceCtlCore
internal import Foundation

extension Executor {
    /// The volume files of a live mount, or an error saying the volume must be mounted first.
    func liveVolume(_ spec: VolumeSpec) async throws -> VolumeFiles {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("the volume is not mounted and answering at \(spec.mount.path); run juicectl apply first")
        }
        return VolumeFiles(host: host, mountPath: spec.mount.path)
    }

    /// Creates checkpoint `request.name`: clone `/active` into staging, write the manifest, rename into place. Until
    /// the rename the checkpoint does not exist; a crash before it leaves a staging clone (and maybe a manifest)
    /// that the next run removes.
    func createCheckpoint(_ request: Action.CheckpointRequest, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        try CheckpointName.validate(request.name)
        let files = try await liveVolume(spec)
        let target = VolumeLayout.checkpoint(request.name)
        if try await files.inode(target) != nil {
            if request.kind == .scheduled { return .skipped("checkpoint \(request.name) already exists") }
            throw StepError("checkpoint \(request.name) already exists; choose another name (existing checkpoints are never overwritten)")
        }
        guard try await files.inode(VolumeLayout.restoreJournal) == nil else {
            throw StepError("a restore is in progress; run juicectl apply to complete or roll it back first")
        }
        for directory in [VolumeLayout.manifests, VolumeLayout.staging, VolumeLayout.trash] {
            try await files.makeDirectories(directory)
        }
        let lineage = try await files.lineage()
        let staging = "\(VolumeLayout.staging)/\(request.name).\(VolumeFiles.token())"
        let createdAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        var frozenNote = ""
        let linksNote: String
        if spec.overlay != nil, upperServesCurrentImage(spec) {
            let frozen = try await cloneActiveWithFrozenImage(into: staging, files: files, spec: spec, name: request.name)
            frozenNote = ", overlay image frozen for \(frozen.frozenFor.milliseconds) ms"
            linksNote = frozen.linksNote
        } else {
            linksNote = try await cloneKeepingHardLinks(of: VolumeLayout.active, into: staging, files: files, spec: spec) {
                try await progress.measure("checkpoint \(request.name): cloning /active\(await approximateSize(files))") {
                    try await juicefs.clone(files.path(VolumeLayout.active), files.path(staging))
                }
            }
        }
        let cloneTime = clock.now - start
        FaultPoint.reach("checkpoint.after-clone")
        let manifest = CheckpointManifest(name: request.name, createdAt: createdAt, kind: request.kind, parent: lineage.activeParent,
                                          pinned: request.pinned, labels: request.labels, note: request.note)
        try files.write(manifest, VolumeLayout.manifest(request.name))
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
        try files.write(updated, VolumeLayout.lineage)
        return .done("created \(request.kind.rawValue) checkpoint \(request.name) (clone of /active in \(cloneTime.milliseconds) ms\(linksNote)\(frozenNote)\(request.pinned ? ", pinned" : ""))")
    }

    /// Clones `/active` into `staging` while the overlay is in use.
    ///
    /// Only the image needs a point-in-time copy coordinated with its writer: the ext4 filesystem on the loop device
    /// must be quiescent, or the clone captures a torn filesystem that needs journal recovery (measured). So the
    /// filesystem is synced and frozen, the image file is fsync'ed on JuiceFS (the loop device writes through the
    /// page cache of the image file, and `juicefs clone` copies what the metadata engine has), the image alone is
    /// cloned, and the filesystem is thawed. The rest of `/active` (the working tree, written through JuiceFS, which
    /// freezing the ext4 does not quiesce) is cloned after the thaw, entry by entry: a directory clone of a tree being
    /// written is consistent per file but not atomic whether or not the image is frozen meanwhile, so cloning it
    /// outside the frozen window loses nothing and keeps the window independent of the size of `active/fs`.
    ///
    /// The hard links of `/active` are found while the entries are cloned, and re-linked in `staging` after.
    ///
    /// - Returns: how long the filesystem was frozen, and the result message's part about hard links.
    func cloneActiveWithFrozenImage(into staging: String, files: VolumeFiles, spec: VolumeSpec,
                                    name: String) async throws -> (frozenFor: Duration, linksNote: String) {
        try await files.makeDirectories(staging)
        try host.copyOwnership(from: files.path(VolumeLayout.active), to: files.path(staging))
        let imageName = (VolumeSpec.OverlaySettings.imagePath as NSString).lastPathComponent
        let image = files.path(VolumeSpec.OverlaySettings.imagePath)
        // Flush before the freeze, so that the freeze and the fsync inside the window have little left to write.
        if let overlay = spec.overlay {
            _ = try await runner.run(Command(tools.sync, ["--file-system", overlay.upperMount], timeout: .seconds(120)))
            _ = await host.fsync(image, deadline: .seconds(120))
        }
        let (_, frozenFor) = try await whileFrozen(spec) {
            let code = await host.fsync(image, deadline: .seconds(60))
            guard code == 0 else { throw StepError("fsync of the overlay image failed: \(String(cString: strerror(code)))") }
            try await juicefs.clone(image, files.path("\(staging)/\(imageName)"))
            try FaultPoint.check("overlay.after-image-clone")
        }
        // A listing that fails must fail the checkpoint: an empty list would give a checkpoint of the image alone.
        guard let entries = await host.listDirectory(files.path(VolumeLayout.active), deadline: .seconds(30)) else {
            throw StepError("cannot list /active to clone it after the overlay image; the checkpoint was not created")
        }
        let linksNote = try await cloneKeepingHardLinks(of: VolumeLayout.active, into: staging, files: files, spec: spec) {
            try await progress.measure("checkpoint \(name): cloning the rest of /active\(await approximateSize(files))") {
                for entry in entries.sorted() where entry != imageName {
                    try await juicefs.clone(files.path("\(VolumeLayout.active)/\(entry)"), files.path("\(staging)/\(entry)"))
                }
            }
        }
        return (frozenFor, linksNote)
    }

    /// ` (about N files)` when the quota on `/active/fs` counts them (statfs on a quota'd directory reports its inode
    /// use), else nothing: `juicefs clone` reports no progress and its destination appears only when it is complete,
    /// so the size of the source is what a terminal can be shown.
    func approximateSize(_ files: VolumeFiles) async -> String {
        guard let tree = await host.statfs(files.path("/active/fs"), deadline: .seconds(2)),
              let root = await host.statfs(files.mountPath, deadline: .seconds(2)),
              tree.freeFiles != root.freeFiles, tree.files >= tree.freeFiles else { return "" }
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
        try await files.makeDirectories(VolumeLayout.trash)
        let trash = "\(VolumeLayout.trash)/\(request.name).\(VolumeFiles.token())"
        try await files.rename(target, trash, mode: .noReplace)
        FaultPoint.reach("delete.after-trash")
        try await files.remove(VolumeLayout.manifest(request.name))
        FaultPoint.reach("delete.after-manifest")
        try await progress.measure("delete \(request.name): removing its tree") {
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
        guard manifest != nil || Self.entry(volumePath, in: VolumeLayout.staging) != nil
                || Self.entry(volumePath, in: VolumeLayout.trash) != nil else {
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
        try await progress.measure("removing \(volumePath)") {
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
