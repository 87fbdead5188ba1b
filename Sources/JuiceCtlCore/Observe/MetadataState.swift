/// The metadata engine's state.
public enum MetadataState: Sendable, Hashable {
    /// The SQLite database file does not exist (juicefs was not asked: it would create the file).
    case missing
    /// The engine answers but holds no volume.
    case unformatted
    /// The engine holds a volume with these settings.
    case formatted(FormatInfo)
    /// The engine could not be read; the message says why.
    case unreadable(String)
}

/// A formatted volume's settings, from `juicefs status` or the mount's `.config`.
public struct FormatInfo: Sendable, Hashable, Codable {
    /// Volume name.
    public var name: String
    /// Volume UUID.
    public var uuid: String
    /// Storage type (`file`, `s3`, ...).
    public var storage: String
    /// Bucket (for `file`, the directory with a trailing slash).
    public var bucket: String
    /// Block size in KiB.
    public var blockSizeKiB: Int
    /// Compression.
    public var compression: String
    /// Trash days.
    public var trashDays: Int

    /// Creates format information.
    public init(name: String, uuid: String, storage: String, bucket: String, blockSizeKiB: Int, compression: String, trashDays: Int) {
        self.name = name
        self.uuid = uuid
        self.storage = storage
        self.bucket = bucket
        self.blockSizeKiB = blockSizeKiB
        self.compression = compression
        self.trashDays = trashDays
    }
}
