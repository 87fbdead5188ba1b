/// Quotas in words, for plan reasons, executor outcomes and the status: the one place that says what a declared
/// quota or a quota as read is.
public enum QuotaRenderer {
    /// A declared quota's limits: `capacity 2 TiB, inodes 10` (a limit the spec leaves out is not named).
    public static func limits(_ quota: VolumeSpec.Quota) -> String {
        var parts: [String] = []
        if let capacity = quota.capacity { parts.append("capacity \(capacity)") }
        if let inodes = quota.inodes { parts.append("inodes \(inodes)") }
        return parts.joined(separator: ", ")
    }

    /// A quota as read, for a plan's reason: `capacity 2TiB, no inode limit` (`about` when the reading is rounded).
    public static func reading(_ reading: QuotaReading) -> String {
        var parts: [String] = []
        if let capacity = reading.capacity {
            let size = ByteSize(bytes: capacity).humanReadable.replacing(" ", with: "")
            parts.append("capacity \(reading.capacityTolerance > 0 ? "about " : "")\(size)")
        } else {
            parts.append("no capacity limit")
        }
        parts.append(reading.inodes.map { "inodes \($0)" } ?? "no inode limit")
        return parts.joined(separator: ", ")
    }

    /// A quota as read, for `juicectl status`: `none`, or `capacity ~2 TiB, no inode limit` (`~` when rounded).
    public static func status(_ reading: QuotaReading) -> String {
        guard !reading.isNone else { return "none" }
        let capacity =
            reading.capacity.map { "capacity \(reading.capacityTolerance > 0 ? "~" : "")\(ByteSize(bytes: $0).humanReadable)" }
            ?? "no capacity limit"
        return "\(capacity), \(reading.inodes.map { "inodes \($0)" } ?? "no inode limit")"
    }

    /// A quota as `juicefs quota get` read it back, exactly: `1024 bytes and no inode limit`.
    public static func readBack(_ reading: QuotaReading) -> String {
        "\(reading.capacity.map { "\($0) bytes" } ?? "no capacity limit") and \(reading.inodes.map { "\($0) inodes" } ?? "no inode limit")"
    }
}
