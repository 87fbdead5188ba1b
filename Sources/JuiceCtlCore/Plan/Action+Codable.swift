/// The JSON form of an action (in `apply --json`'s remaining steps and the status documents): flat keys, the
/// payload's data beside the kind under the key of what it is (`quota`, `changedFlags`, `checkpoint`, `leftover`,
/// `damage`), absent when the kind carries none; `forceAllowed` always.
extension Action: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, change, target, reason, disruption, conditional
        case quota, changedFlags, checkpoint, leftover, damage, forceAllowed
    }

    /// Writes the action's flat keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(change, forKey: .change)
        try container.encode(target, forKey: .target)
        try container.encode(reason, forKey: .reason)
        try container.encode(disruption, forKey: .disruption)
        try container.encode(conditional, forKey: .conditional)
        try container.encodeIfPresent(quota, forKey: .quota)
        try container.encodeIfPresent(changedFlags, forKey: .changedFlags)
        try container.encodeIfPresent(checkpoint, forKey: .checkpoint)
        try container.encodeIfPresent(leftover, forKey: .leftover)
        try container.encodeIfPresent(damage, forKey: .damage)
        try container.encode(forceAllowed, forKey: .forceAllowed)
    }

    /// Reads the flat keys back; a kind without the data it needs (a `set-quota` without `quota`) does not decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .kind)
        self.init(
            try Self.payload(kind, container), try container.decode(Change.self, forKey: .change),
            target: try container.decode(String.self, forKey: .target), reason: try container.decode(String.self, forKey: .reason),
            disruption: try container.decode(Disruption.self, forKey: .disruption),
            conditional: try container.decode(Bool.self, forKey: .conditional))
    }

    private static func payload(_ kind: Kind, _ container: KeyedDecodingContainer<CodingKeys>) throws -> Payload {
        func checkpoint() throws -> CheckpointRequest { try container.decode(CheckpointRequest.self, forKey: .checkpoint) }
        func flags() throws -> [String]? { try container.decodeIfPresent([String].self, forKey: .changedFlags) }
        func force() throws -> Bool { try container.decode(Bool.self, forKey: .forceAllowed) }
        return switch kind {
        case .format: .format
        case .mount: .mount
        case .remountInPlace: .remountInPlace(changedFlags: try flags())
        case .remount: .remount(changedFlags: try flags())
        case .recoverStaleMount: .recoverStaleMount
        case .unmount: .unmount(forceAllowed: try force())
        case .flushStaging: .flushStaging
        case .createDirectory: .createDirectory
        case .secureDirectory: .secureDirectory
        case .setQuota: .setQuota(try container.decode(VolumeSpec.Quota.self, forKey: .quota))
        case .removeQuota: .removeQuota
        case .createCheckpoint: .createCheckpoint(try checkpoint())
        case .deleteCheckpoint: .deleteCheckpoint(try checkpoint())
        case .restore: .restore(try checkpoint())
        case .resumeRestore: .resumeRestore(try checkpoint())
        case .removeLeftover: .removeLeftover(try container.decode(Leftover.self, forKey: .leftover))
        case .repairBookkeeping: .repairBookkeeping(try container.decode(BookkeepingDamage.self, forKey: .damage))
        case .thawOverlay: .thawOverlay
        case .thawCgroups: .thawCgroups
        case .createOverlayImage: .createOverlayImage
        case .quarantineOverlayImage: .quarantineOverlayImage
        case .mountOverlayUpper: .mountOverlayUpper
        case .mountOverlay: .mountOverlay
        case .unmountOverlay: .unmountOverlay(forceAllowed: try force())
        case .unmountOverlayUpper: .unmountOverlayUpper(forceAllowed: try force())
        case .detachLoopDevice: .detachLoopDevice
        case .restoreMetadata: .restoreMetadata
        case .refreshMetadata: .refreshMetadata
        case .startBackup: .startBackup
        case .restartBackup: .restartBackup
        case .stopBackup: .stopBackup
        case .claimOwnership: .claimOwnership
        case .releaseOwnership: .releaseOwnership
        case .fenceVolume: .fenceVolume
        }
    }
}
