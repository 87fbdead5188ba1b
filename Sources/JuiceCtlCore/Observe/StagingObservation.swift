internal import Foundation

/// Blocks written with writeback that are only on this host: in the client's `<cacheDir>/<uuid>/rawstaging/`, not
/// yet uploaded to the object storage. Counted by the mount itself (its `.stats`), aged from the staged files.
public struct StagingObservation: Sendable, Hashable, Codable {
    /// Staged blocks (`juicefs_staging_blocks`).
    public var blocks: Int
    /// Their bytes (`juicefs_staging_block_bytes`).
    public var bytes: Int64
    /// Seconds since the oldest staged block was written; `nil` when nothing is staged or the files cannot be read.
    public var oldestAgeSeconds: Double?
    /// The cache directory the running client stages into (it may differ from the spec's after a change).
    public var cacheDir: String

    /// Creates an observation.
    public init(blocks: Int, bytes: Int64, oldestAgeSeconds: Double? = nil, cacheDir: String) {
        self.blocks = blocks
        self.bytes = bytes
        self.oldestAgeSeconds = oldestAgeSeconds
        self.cacheDir = cacheDir
    }

    /// Whether nothing is staged.
    public var isEmpty: Bool { blocks == 0 && bytes == 0 }

    /// `3 blocks (12.0 MiB)`.
    public var summary: String { Self.summary(blocks: blocks, bytes: bytes) }

    /// `3 blocks (12.0 MiB)`, for any count.
    public static func summary(blocks: Int, bytes: Int64) -> String {
        "\(blocks) block\(blocks == 1 ? "" : "s") (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB)"
    }

    /// Reads `juicefs_staging_blocks` and `juicefs_staging_block_bytes` from the text of a mount's `.stats`; `nil`
    /// when either is missing.
    public static func counts(fromStats text: String) -> (blocks: Int, bytes: Int64)? {
        var blocks: Int?
        var bytes: Int64?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 2, let value = Double(words[1]) else { continue }
            switch words[0] {
            case "juicefs_staging_blocks": blocks = Int(value)
            case "juicefs_staging_block_bytes": bytes = Int64(value)
            default: break
            }
        }
        guard let blocks, let bytes else { return nil }
        return (blocks, bytes)
    }
}
