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
        if let plain = Payload(withoutData: kind) { return plain }
        switch kind {
        case .remountInPlace: return .remountInPlace(changedFlags: try flags())
        case .remount: return .remount(changedFlags: try flags())
        case .unmount: return .unmount(forceAllowed: try force())
        case .setQuota: return .setQuota(try container.decode(VolumeSpec.Quota.self, forKey: .quota))
        case .createCheckpoint: return .createCheckpoint(try checkpoint())
        case .deleteCheckpoint: return .deleteCheckpoint(try checkpoint())
        case .restore: return .restore(try checkpoint())
        case .resumeRestore: return .resumeRestore(try checkpoint())
        case .removeLeftover: return .removeLeftover(try container.decode(Leftover.self, forKey: .leftover))
        case .repairBookkeeping: return .repairBookkeeping(try container.decode(BookkeepingDamage.self, forKey: .damage))
        case .unmountOverlay: return .unmountOverlay(forceAllowed: try force())
        case .unmountOverlayUpper: return .unmountOverlayUpper(forceAllowed: try force())
        default:
            // Every other kind is in Payload.withoutData (ActionCodingTests round-trips each kind).
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "no payload for \(kind.rawValue)")
        }
    }
}
