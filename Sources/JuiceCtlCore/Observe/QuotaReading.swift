/// A quota as read, with how exact the reading is.
public struct QuotaReading: Sendable, Hashable, Codable {
    /// Space limit in bytes; `nil` when there is none.
    public var capacity: UInt64?
    /// Inode limit; `nil` when there is none.
    public var inodes: UInt64?
    /// How far the true capacity may be from `capacity` (statfs counts whole blocks; `juicefs quota` prints
    /// rounded figures).
    public var capacityTolerance: UInt64
    /// Where it was read: `statfs`, `juicefs quota get`, `juicefs quota list`.
    public var source: String

    /// Creates a reading.
    public init(capacity: UInt64?, inodes: UInt64?, capacityTolerance: UInt64 = 0, source: String) {
        self.capacity = capacity
        self.inodes = inodes
        self.capacityTolerance = capacityTolerance
        self.source = source
    }

    /// No quota on the path.
    public static func none(source: String) -> QuotaReading { QuotaReading(capacity: nil, inodes: nil, source: source) }

    /// Whether there is no limit at all.
    public var isNone: Bool { capacity == nil && inodes == nil }

    /// Whether the reading agrees with a declared quota.
    public func matches(_ quota: VolumeSpec.Quota) -> Bool {
        let capacityMatches: Bool
        switch (capacity, quota.capacity?.bytes) {
        case (nil, nil): capacityMatches = true
        case (let observed?, let desired?):
            capacityMatches = (observed > desired ? observed - desired : desired - observed) <= capacityTolerance
        default: capacityMatches = false
        }
        return capacityMatches && inodes == quota.inodes
    }
}
