public import Foundation

/// What kind of checkpoint it is.
public enum CheckpointKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Made by a person (`juicectl checkpoint create`, the library).
    case manual
    /// Made by the spec's schedule.
    case scheduled
    /// The live tree a restore replaced.
    case preRestore = "pre-restore"
}

/// The facts of one checkpoint, kept beside it on the volume in `checkpoints/.juicectl/manifests/NAME.json`.
///
/// The directory `checkpoints/NAME` is the truth of whether the checkpoint exists (it appears by one rename, after
/// the manifest was written); the manifest only describes it, so the two cannot disagree about existence.
public struct CheckpointManifest: Sendable, Hashable, Codable {
    /// The manifest format.
    public var formatVersion: Int
    /// The checkpoint's name.
    public var name: String
    /// When it was taken (UTC).
    public var createdAt: Date
    /// Manual, scheduled or pre-restore.
    public var kind: CheckpointKind
    /// The checkpoint the live tree descended from when this one was taken (its lineage), if known.
    public var parent: String?
    /// Pinned checkpoints are never pruned and are deleted only with `--force`.
    public var pinned: Bool
    /// Free-form labels.
    public var labels: [String: String]
    /// A note.
    public var note: String?
    /// For a pre-restore checkpoint: the checkpoint that was restored over it.
    public var replacedBy: String?
    /// For a pre-restore checkpoint: the declarative restore request that replaced it, if one did (so that a damaged
    /// lineage can be rebuilt with the requests already applied).
    public var restoreRequestId: String?

    /// Creates a manifest.
    public init(
        name: String, createdAt: Date, kind: CheckpointKind, parent: String? = nil, pinned: Bool = false,
        labels: [String: String] = [:], note: String? = nil, replacedBy: String? = nil, restoreRequestId: String? = nil
    ) {
        self.restoreRequestId = restoreRequestId
        formatVersion = 1
        self.name = name
        self.createdAt = createdAt
        self.kind = kind
        self.parent = parent
        self.pinned = pinned
        self.labels = labels
        self.note = note
        self.replacedBy = replacedBy
    }

    /// The JSON form written to the volume.
    public func encoded() throws -> Data {
        try CheckpointJSON.encoder.encode(self)
    }

    /// Reads a manifest.
    public static func decode(_ data: Data) throws -> CheckpointManifest {
        try CheckpointJSON.decoder.decode(CheckpointManifest.self, from: data)
    }
}

/// A checkpoint as the catalog sees it: its directory exists; its manifest may be missing (a directory someone made
/// by hand, or a checkpoint of the original package) or unreadable.
public struct CheckpointEntry: Sendable, Hashable, Codable {
    /// The name (the directory's).
    public var name: String
    /// Its manifest, when there is a readable one.
    public var manifest: CheckpointManifest?

    /// Creates an entry.
    public init(name: String, manifest: CheckpointManifest?) {
        self.name = name
        self.manifest = manifest
    }

    /// When it was taken; `nil` without a manifest.
    public var createdAt: Date? { manifest?.createdAt }
    /// Its kind; a checkpoint without a manifest counts as manual (never pruned by default).
    public var kind: CheckpointKind { manifest?.kind ?? .manual }
    /// Whether it is pinned.
    public var pinned: Bool { manifest?.pinned ?? false }
}

/// JSON coding of checkpoint records: sorted keys, ISO 8601 dates in UTC.
public enum CheckpointJSON {
    /// Encoder.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// Decoder.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
