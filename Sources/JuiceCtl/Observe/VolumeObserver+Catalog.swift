internal import Foundation
internal import JuiceCtlCore

/// The checkpoint catalog on the mounted volume: restore journal, leftovers, lineage and manifests.
extension VolumeObserver {
    /// Reads the checkpoint bookkeeping. The cheap parts always (a journal, leftovers, the restore request's target);
    /// every manifest only when `full`.
    func observeCatalog(_ spec: VolumeSpec, full: Bool, recorder: inout ProbeRecorder) async -> CheckpointCatalog {
        let files = VolumeFiles(host: host, mountPath: spec.mount.path, deadline: probeDeadline)
        var catalog = CheckpointCatalog(entries: nil)
        var journalDamage: String?
        if let data = await recorder.measure("read restore journal", { await files.data(VolumeLayout.restoreJournal) }) {
            do {
                let journal = try CheckpointJSON.decoder.decode(RestoreJournal.self, from: data)
                catalog.restore = RestoreProgress(
                    journal: journal,
                    activeInode: try? await files.inode(VolumeLayout.active),
                    stagingInode: try? await files.inode(journal.stagingPath),
                    asideExists: ((try? await files.inode(VolumeLayout.checkpoint(journal.asideName))) ?? nil) != nil)
            } catch {
                journalDamage = data.isEmpty ? "the file is empty" : BookkeepingRecord.describe(error)
            }
        }
        var stagingNames: [String] = []
        for (directory, kind) in [(VolumeLayout.staging, Leftover.Kind.staging), (VolumeLayout.trash, .trash)] {
            let names =
                await recorder.measure("list \(directory)") { await host.listDirectory(files.path(directory), deadline: probeDeadline) }
                ?? []
            if kind == .staging { stagingNames = names }
            for name in names.sorted() where "\(directory)/\(name)" != catalog.restore?.journal.stagingPath && !name.hasPrefix(".") {
                catalog.leftovers.append(Leftover(path: "\(directory)/\(name)", kind: kind))
            }
        }
        if let journalDamage {
            let trees = await recorder.measure("trees of the damaged journal") {
                await BookkeepingRecord.restoreTrees(files: files, stagingNames: stagingNames)
            }
            catalog.damage.append(
                BookkeepingDamage(kind: .journalUndecodable, path: VolumeLayout.restoreJournal, detail: journalDamage, trees: trees))
        }
        // Read on every pass (one small file): a damaged lineage makes every checkpoint refuse, so it must show.
        switch await recorder.measure("read lineage", { await BookkeepingRecord.lineage(files: files) }) {
        case .found(let lineage): catalog.lineage = lineage
        case .damaged(let damage): catalog.damage.append(damage)
        }
        if let request = spec.restore {
            catalog.restoreTargetExists = await recorder.measure("stat checkpoint \(request.checkpoint)") {
                ((try? await files.inode(VolumeLayout.checkpoint(request.checkpoint))) ?? nil) != nil
            }
        }
        // Names are cheap (two directory listings) and reveal orphan manifests; the manifests' content is read only
        // when something needs it.
        let names =
            await recorder.measure("list checkpoints") {
                await host.listDirectory(files.path(VolumeLayout.checkpoints), deadline: probeDeadline)
            } ?? []
        let checkpoints = names.filter { CheckpointName.isValid($0) }.sorted()
        let manifestInodes =
            await recorder.measure("list manifests") {
                await host.listDirectoryInodes(files.path(VolumeLayout.manifests), deadline: probeDeadline)
            } ?? [:]
        let manifests = Array(manifestInodes.keys)
        let existing = Set(checkpoints)
        let journalAside = catalog.restore?.journal.asideName
        for file in manifests.sorted() where file.hasSuffix(".json") && !file.hasPrefix(".") {
            let name = String(file.dropLast(".json".count))
            if !existing.contains(name) && name != journalAside {
                catalog.leftovers.append(Leftover(path: VolumeLayout.manifest(name), kind: .orphanManifest))
            }
        }
        if full {
            // Manifests this host read before and whose files are unchanged come from its cache; the rest are read.
            let cache = recorder.measure("load manifest cache") { ManifestCache.load(spec, host: host) }
            var updated = ManifestCache()
            var changed = false
            catalog.entries = await recorder.measure("read \(checkpoints.count) manifests") {
                var entries: [CheckpointEntry] = []
                for name in checkpoints {
                    let file = "\(name).json"
                    var manifest: CheckpointManifest?
                    if let inode = manifestInodes[file] {
                        if let cached = cache.manifest(file, inode: inode) {
                            manifest = cached
                        } else if let data = await files.data(VolumeLayout.manifest(name)) {
                            manifest = try? CheckpointManifest.decode(data)
                            changed = true
                        }
                        if let manifest, let inode { updated.entries[file] = .init(inode: inode, manifest: manifest) }
                    }
                    entries.append(CheckpointEntry(name: name, manifest: manifest))
                }
                return entries
            }
            if changed || updated.entries.count != cache.entries.count {
                await recorder.measureStep("save manifest cache") { updated.save(spec, host: host) }
            }
        }
        return catalog
    }
}
