public import Foundation

/// Who owns a volume that another host could pick up (SQLite metadata with an S3 replica, or S3 storage with SQLite
/// metadata), as this host found the ownership record in the replica location.
public struct OwnershipObservation: Sendable, Hashable, Codable {
    /// A host that owns (or owned) the volume, as its record names it.
    public struct Owner: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Host name.
        public var host: String
        /// The juicectl instance (one per base directory): what identity is.
        public var instance: String
        /// The process that wrote the record.
        public var pid: Int32
        /// Since when.
        public var since: Date

        /// Creates a description.
        public init(host: String, instance: String, pid: Int32, since: Date) {
            self.host = host
            self.instance = instance
            self.pid = pid
            self.since = since
        }

        public var description: String {
            let formatter = ISO8601DateFormatter()
            return "\(host) (instance \(instance.prefix(8)), pid \(pid), since \(formatter.string(from: since)))"
        }
    }

    /// What the record says, seen from this host.
    public enum State: Sendable, Hashable, Codable {
        /// No record: nobody owns the volume yet.
        case free
        /// The last owner released it (`down`).
        case released(by: Owner, generation: UInt64)
        /// This host owns it, with the generation it recorded.
        case mine(generation: UInt64)
        /// This host's record is there, but another generation than the one it remembers: it took the volume back
        /// after someone else had it, or its memory is gone. A claim makes it consistent again.
        case mineStale(generation: UInt64)
        /// Another host owns it.
        case elsewhere(Owner, generation: UInt64)
        /// The record could not be read (the replica's store does not answer, or refuses): nothing is decided on it.
        case unreadable(String)
    }

    /// What the record says.
    public var state: State
    /// Where the record lives, for messages (redacted).
    public var location: String
    /// This host owned the volume in a generation that another host took over since: it was fenced, and must not
    /// write (its local database is behind the replica when it owns the volume again).
    public var fencedFrom: UInt64?
    /// Since this host last owned the volume, another host did: its local database (if any) is older than the
    /// replica, so owning the volume again starts from the replica.
    public var ownedElsewhereSince: Bool

    /// Creates an observation.
    public init(state: State, location: String, fencedFrom: UInt64? = nil, ownedElsewhereSince: Bool = false) {
        self.state = state
        self.location = location
        self.fencedFrom = fencedFrom
        self.ownedElsewhereSince = ownedElsewhereSince
    }

    /// Whether this host owns the volume now.
    public var ownedHere: Bool {
        if case .mine = state { return true }
        return false
    }
}
