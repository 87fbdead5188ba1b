public import Foundation

/// The ownership record of a volume that another host could pick up: one JSON object in the replica location (see
/// ``OwnershipLocation``), written before the owner restores, formats, mounts or starts Litestream.
///
/// Every write carries a new ``nonce``, so that a claimer reading the record back can tell its own write from a
/// racing one. ``generation`` grows by one with every claim and takeover (a release keeps it): an owner that
/// remembers generation 7 and reads 8 knows it was fenced.
public struct OwnershipRecord: Sendable, Hashable, Codable {
    /// Whether the record holds the volume.
    public enum State: String, Sendable, Hashable, Codable {
        /// The volume is owned by the record's instance.
        case owned
        /// The last owner let go (after `down`'s final sync); any host may claim it.
        case released
    }

    /// The record format this juicectl writes and reads.
    public static let currentVersion = 1

    /// The record format.
    public var version: Int
    /// The volume's name.
    public var volume: String
    /// The JuiceFS volume UUID, when the writer knew it.
    public var uuid: String?
    /// The owner's host name.
    public var host: String
    /// The owner's `/etc/machine-id`.
    public var machineId: String
    /// The owner's boot id.
    public var bootId: String
    /// The owner's instance id: the identity that counts.
    public var instance: String
    /// The process that wrote the record.
    public var pid: Int32
    /// Bumped by every claim and takeover.
    public var generation: UInt64
    /// When the record was written (UTC, whole seconds).
    public var since: Date
    /// Owned or released.
    public var state: State
    /// Random per write.
    public var nonce: String

    /// Creates a record for `owner`.
    public init(
        volume: String, uuid: String?, owner: OwnershipIdentity, generation: UInt64, since: Date, state: State,
        nonce: String
    ) {
        version = Self.currentVersion
        self.volume = volume
        self.uuid = uuid
        host = owner.host
        machineId = owner.machineId
        bootId = owner.bootId
        instance = owner.instance
        pid = owner.pid
        self.generation = generation
        self.since = Date(timeIntervalSince1970: since.timeIntervalSince1970.rounded(.down))
        self.state = state
        self.nonce = nonce
    }

    /// The identity that wrote the record.
    public var owner: OwnershipIdentity {
        OwnershipIdentity(host: host, machineId: machineId, bootId: bootId, instance: instance, pid: pid)
    }

    /// Whether `instance` holds the volume by this record.
    public func isOwned(by instance: String) -> Bool {
        state == .owned && self.instance == instance
    }

    /// `host web-2 (instance 3f2a9c1d, pid 4242), generation 7, since 2026-12-03T11:15:32Z`, with `released` in
    /// front when the owner let go.
    public var summary: String {
        let stamp = since.formatted(.iso8601)
        let text = "\(owner.summary), generation \(generation), since \(stamp)"
        return state == .owned ? text : "released by \(text)"
    }

    /// The JSON written to the store: sorted keys, ISO 8601 dates, one line.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // A struct of strings, integers and a date always encodes.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a record from the store's bytes.
    ///
    /// - Throws: ``OwnershipError/unreadableRecord(location:problem:)`` when the bytes are not a record this
    ///   juicectl understands (another program's object, a newer format).
    public static func decode(_ data: Data, location: String) throws(OwnershipError) -> OwnershipRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let record: OwnershipRecord
        do {
            record = try decoder.decode(OwnershipRecord.self, from: data)
        } catch {
            throw .unreadableRecord(location: location, problem: "it is not an ownership record (\(Self.reason(error)))")
        }
        guard record.version <= currentVersion else {
            throw .unreadableRecord(
                location: location,
                problem: "it has format \(record.version); this juicectl reads up to \(currentVersion)")
        }
        return record
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "no \(key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            "a wrong \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "not JSON"
        }
    }
}
