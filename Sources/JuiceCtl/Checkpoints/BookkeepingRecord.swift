internal import Foundation
internal import JuiceCtlCore

/// Reads juicectl's bookkeeping records on the volume and tells a damaged one from a missing one: the observer
/// reports the damage, the executor refuses with the repair in its message.
enum BookkeepingRecord {
    /// The lineage as read.
    enum LineageRead: Sendable {
        /// Missing (an empty lineage) or read.
        case found(VolumeLineage)
        /// There, but empty or undecodable.
        case damaged(BookkeepingDamage)
    }

    /// Reads `lineage.json`; a file that cannot be read at all counts as missing (as before).
    static func lineage(files: VolumeFiles) async -> LineageRead {
        guard let data = await files.data(VolumeLayout.lineage) else {
            return .found(VolumeLineage())
        }
        guard !data.isEmpty else {
            return .damaged(BookkeepingDamage(kind: .lineageEmpty, path: VolumeLayout.lineage, detail: "the file is empty"))
        }
        do {
            return .found(try CheckpointJSON.decoder.decode(VolumeLineage.self, from: data))
        } catch {
            return .damaged(BookkeepingDamage(kind: .lineageUndecodable, path: VolumeLayout.lineage, detail: describe(error)))
        }
    }

    /// The lineage, or an error naming the damage and its repair.
    static func checkedLineage(files: VolumeFiles) async throws -> VolumeLineage {
        switch await lineage(files: files) {
        case .found(let lineage): return lineage
        case .damaged(let damage): throw Damaged(damage: damage)
        }
    }

    /// Refuses while a restore journal is on the volume, with `inProgress` for a readable one and the repair for a
    /// damaged one.
    static func refuseWhileJournal(files: VolumeFiles, inProgress: String) async throws {
        guard try await files.inode(VolumeLayout.restoreJournal) != nil else { return }
        if let data = await files.data(VolumeLayout.restoreJournal) {
            do {
                _ = try CheckpointJSON.decoder.decode(RestoreJournal.self, from: data)
            } catch {
                throw Damaged(
                    damage: BookkeepingDamage(
                        kind: .journalUndecodable, path: VolumeLayout.restoreJournal,
                        detail: data.isEmpty ? "the file is empty" : describe(error)))
            }
        }
        throw StepError(inProgress)
    }

    /// `/active` and the restore clones in staging, by inode.
    static func restoreTrees(files: VolumeFiles, stagingNames: [String]) async -> RestoreTrees {
        let active: RestoreTrees.Active =
            switch await files.host.stat(files.path(VolumeLayout.active), deadline: files.deadline) {
            case .found(let inode, true): .directory(inode: inode)
            case .found(let inode, false): .notDirectory(inode: inode)
            case .failed(let code, _) where code == ENOENT: .missing
            case .failed(_, let message): .unknown(message)
            case .timedOut: .unknown("no answer within \(files.deadline.milliseconds) ms")
            }
        var staging: [String: UInt64] = [:]
        for name in stagingNames where name.hasPrefix(RestoreTrees.stagingPrefix) {
            let path = "\(VolumeLayout.staging)/\(name)"
            if case .found(let inode, _) = await files.host.stat(files.path(path), deadline: files.deadline) { staging[path] = inode }
        }
        return RestoreTrees(active: active, staging: staging)
    }

    /// A decoding error in one line.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): "not JSON: \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _): "no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// A damaged record stops a checkpoint or restore.
    struct Damaged: Error, CustomStringConvertible {
        let damage: BookkeepingDamage

        var description: String {
            "\(damage.path) on the volume is damaged (\(damage.detail)); run juicectl apply, which "
                + (damage.kind.isLineage ? "rebuilds it from the checkpoint manifests" : "moves it aside once /active is a directory")
        }
    }
}
