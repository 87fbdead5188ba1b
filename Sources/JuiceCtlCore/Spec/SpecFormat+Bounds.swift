/// The single-key ranges of sizes and durations, declared beside the keys they bound (``SpecFormat``) and checked by
/// the validator (``ValueBounds``).
extension SpecFormat {
    /// `format.blockSize`: 64KiB to 16MiB, whole KiB (what `juicefs format --block-size` takes).
    static let blockSize = ValueBounds.size(
        range: 64 * ByteSize.kib...16 * ByteSize.mib, multiple: ByteSize.kib,
        message: { "block size \($0) is outside 64KiB to 16MiB or not a whole number of KiB" })

    /// `mount.cacheSize`: whole MiB (juicefs takes the cache size in MiB).
    static let cacheSize = ValueBounds.size(
        range: 0...UInt64.max, multiple: ByteSize.mib,
        message: { "cache size \($0) is not a whole number of MiB" }, hint: "juicefs takes the cache size in MiB")

    /// `overlay.imageSize`: at least 64MiB, what an ext4 filesystem needs.
    static let imageSize = ValueBounds.size(
        range: 64 * ByteSize.mib...UInt64.max,
        message: { _ in "the image must be at least 64MiB to hold an ext4 filesystem" })

    /// `quotas[].capacity`: above 0 (no entry at all is no limit).
    static let quotaCapacity = ValueBounds.size(
        range: 1...UInt64.max, message: { _ in "capacity must be above 0" }, hint: "remove the quota entry to have no limit")

    /// Litestream's intervals and retention: at least 1s.
    static let backupInterval = ValueBounds.durationAtLeast(.seconds(1))
}
