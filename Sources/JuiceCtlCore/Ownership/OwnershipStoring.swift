/// Where the ownership record of one volume is read and written: an S3 object or a file (see
/// ``OwnershipLocation``). The host layer implements it (S3 through curl, files through the host seam); tests use an
/// in-memory store.
///
/// Both calls must take effect within their deadline or not at all, as far as the implementation can make it so
/// (a request is given up at the deadline, a file is not renamed into place after it): the claim protocol's safety
/// rests on writes landing within the time it gives them (see ``OwnershipClaim``).
public protocol OwnershipStoring: Sendable {
    /// Where the record lives, for messages (without secrets).
    var location: String { get }
    /// The record, or `nil` when there is none.
    ///
    /// - Throws: an error naming the location and the reason (an HTTP status, an errno, the deadline) when the
    ///   store cannot say; never "none" for a store it could not read.
    func read(deadline: Duration) async throws -> OwnershipRecord?
    /// Replaces the record.
    func write(_ record: OwnershipRecord, deadline: Duration) async throws
}

extension OwnershipStoring {
    /// The deadline of a call that names none.
    public static var defaultDeadline: Duration { .seconds(10) }

    /// The record, or `nil` when there is none, within ``defaultDeadline``.
    public func read() async throws -> OwnershipRecord? {
        try await read(deadline: Self.defaultDeadline)
    }

    /// Replaces the record, within ``defaultDeadline``.
    public func write(_ record: OwnershipRecord) async throws {
        try await write(record, deadline: Self.defaultDeadline)
    }
}

/// What one instance remembers of the record it last wrote for a volume, kept on this host (`<baseDir>/.juicectl/`,
/// mode 0600): the proof, when the instance comes back, that it owned the volume, and of which generation. A record
/// with another owner or a later generation then means the instance was fenced.
public struct RememberedOwnership: Sendable, Hashable, Codable {
    /// The volume.
    public var volume: String
    /// The generation of the last record this instance confirmed.
    public var generation: UInt64
    /// That record's nonce.
    public var nonce: String
    /// Owned, or released by this instance.
    public var state: OwnershipRecord.State
    /// Where the record lives (for people reading the file).
    public var location: String

    /// Remembers `record`, stored at `location`.
    public init(_ record: OwnershipRecord, location: String) {
        volume = record.volume
        generation = record.generation
        nonce = record.nonce
        state = record.state
        self.location = location
    }

    /// Whether `record` is the very one remembered (same generation and nonce).
    public func matches(_ record: OwnershipRecord) -> Bool {
        record.volume == volume && record.generation == generation && record.nonce == nonce
    }
}

/// Keeps one ``RememberedOwnership`` per instance and volume.
public protocol OwnershipMemory: Sendable {
    /// What this instance remembers owning, or `nil` when it remembers nothing.
    func recall() throws -> RememberedOwnership?
    /// Replaces what this instance remembers.
    func remember(_ ownership: RememberedOwnership) throws
}
