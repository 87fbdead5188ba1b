/// One source read during observation.
public struct ProbeRecord: Sendable, Hashable, Codable {
    /// What was read: `mountinfo`, `stat /mnt`, `juicefs status`, ...
    public var source: String
    /// How long it took, in microseconds.
    public var microseconds: Int64
    /// Whether it answered.
    public var ok: Bool

    /// Creates a record.
    public init(source: String, microseconds: Int64, ok: Bool) {
        self.source = source
        self.microseconds = microseconds
        self.ok = ok
    }
}
