import Foundation
import JuiceCtl
import JuiceCtlCore

/// Prints `checkpoint list`.
enum CheckpointRenderer {
    static func human(_ listing: Reconciler.CheckpointListing, volume: String) -> String {
        var lines = [
            "Volume \(volume): \(listing.checkpoints.count) checkpoint(s)"
                + (listing.activeParent.map { "; /active descends from \($0)" } ?? "")
        ]
        let rows = listing.checkpoints.map(Row.init)
        if !rows.isEmpty {
            let width = max(4, rows.map(\.name.count).max() ?? 4)
            let parentWidth = max(6, rows.map(\.parent.count).max() ?? 6)
            lines.append(
                "  " + pad("NAME", width) + "  " + pad("KIND", 11) + "  " + pad("CREATED (UTC)", 20) + "  "
                    + pad("PARENT", parentWidth) + "  PINNED  NOTE")
            for row in rows {
                lines.append(
                    "  " + pad(row.name, width) + "  " + pad(row.kind, 11) + "  " + pad(row.created, 20) + "  "
                        + pad(row.parent, parentWidth) + "  " + pad(row.pinned, 6) + "  " + row.note)
            }
        }
        if let restore = listing.restoreInProgress {
            lines.append("  ! a restore of \(restore.checkpoint) did not finish; juicectl apply completes or rolls it back")
        }
        for leftover in listing.leftovers {
            lines.append("  ! leftover \(leftover.kind.rawValue) \(leftover.path): juicectl apply removes it")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line of the human listing, as plain strings.
    private struct Row {
        var name: String
        var kind: String
        var created: String
        var parent: String
        var pinned: String
        var note: String

        init(_ entry: CheckpointEntry) {
            name = entry.name
            let manifest = entry.manifest
            kind = manifest == nil ? "unknown" : entry.kind.rawValue
            created = manifest.map { ISO8601DateFormatter().string(from: $0.createdAt) } ?? "-"
            parent = manifest?.parent ?? "-"
            pinned = manifest?.pinned == true ? "yes" : "no"
            note = manifest?.note ?? ""
        }
    }

    static func json(_ listing: Reconciler.CheckpointListing, volume: String) -> String {
        struct Document: Encodable {
            var formatVersion: Int
            var volume: String
            var activeParent: String?
            var checkpoints: [Entry]
            var leftovers: [Leftover]
            var restoreInProgress: RestoreJournal?
        }
        struct Entry: Encodable {
            var name: String
            var hasManifest: Bool
            var kind: String
            var createdAt: Date?
            var parent: String?
            var pinned: Bool
            var labels: [String: String]
            var note: String?
            var replacedBy: String?
        }
        let document = Document(
            formatVersion: PlanRenderer.formatVersion, volume: volume, activeParent: listing.activeParent,
            checkpoints: listing.checkpoints.map {
                Entry(
                    name: $0.name, hasManifest: $0.manifest != nil, kind: $0.manifest == nil ? "unknown" : $0.kind.rawValue,
                    createdAt: $0.createdAt, parent: $0.manifest?.parent, pinned: $0.pinned, labels: $0.manifest?.labels ?? [:],
                    note: $0.manifest?.note, replacedBy: $0.manifest?.replacedBy)
            },
            leftovers: listing.leftovers, restoreInProgress: listing.restoreInProgress)
        let encoder = CheckpointJSON.encoder
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
