import Foundation

@testable import JuiceCtlCore

/// Dates, checkpoints and catalogs for the checkpoint tests, always in UTC.
enum CheckpointFixture {
    /// `2026-11-20T10:37:00Z`, or `2026-11-20 10:37` (minutes), or `2026-11-20` (midnight): a UTC instant.
    static func date(_ text: String) -> Date {
        var iso = text.replacing(" ", with: "T")
        if iso.count == 10 { iso += "T00:00" }
        if iso.count == 16 { iso += ":00" }
        if !iso.hasSuffix("Z") { iso += "Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: iso) else { preconditionFailure("'\(text)' is not a UTC date") }
        return date
    }

    /// A checkpoint directory with its manifest.
    static func entry(_ name: String, _ created: String, kind: CheckpointKind = .scheduled, pinned: Bool = false) -> CheckpointEntry {
        CheckpointEntry(name: name, manifest: CheckpointManifest(name: name, createdAt: date(created), kind: kind, pinned: pinned))
    }

    /// A checkpoint directory without a manifest (made by hand, or by the original package).
    static func bare(_ name: String) -> CheckpointEntry {
        CheckpointEntry(name: name, manifest: nil)
    }
}
