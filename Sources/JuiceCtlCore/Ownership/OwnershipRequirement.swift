/// Whether a volume is owned by one host at a time, and where its ownership record lives: a pure function of the
/// spec (``of(_:)``).
///
/// The rule: a volume needs ownership when another host could pick it up, which is when its metadata is SQLite (a
/// file only one host may open) and either the replica of that file or the volume's objects are in S3. Another host
/// with the same spec could then restore the replica and mount the volume, or format over the same bucket.
/// Redis and PostgreSQL volumes never need it: their engine lets many hosts mount at once.
public enum OwnershipRequirement: Sendable, Hashable {
    /// The volume is owned by one host at a time; the record lives here.
    case required(OwnershipLocation)
    /// Another host could pick the volume up (SQLite metadata, objects in S3), but the spec has no replica to keep
    /// the record in (`backup.enabled: false`).
    case requiredWithoutLocation
    /// No other host can pick the volume up, or many may.
    case notRequired(Reason)

    /// Why a volume needs no ownership record.
    public enum Reason: Sendable, Hashable {
        /// Redis or PostgreSQL metadata: many hosts may mount the volume at once.
        case sharedEngine(VolumeSpec.Metadata.Engine)
        /// SQLite metadata with the objects on this host and the replica (if any) in a directory of this host.
        case hostLocal
    }

    /// The rule for `spec`: SQLite metadata and (an S3 replica or S3 storage).
    ///
    /// With an S3 replica the record is next to the replica's prefix. With S3 storage and a file replica it is in
    /// that file replica's directory; it keeps hosts apart only when that directory is on a filesystem the hosts
    /// share, and only as far as that filesystem makes one host's write visible to the next reader (NFS with
    /// attribute caching does not).
    public static func of(_ spec: VolumeSpec) -> OwnershipRequirement {
        guard spec.metadata.engine == .sqlite else { return .notRequired(.sharedEngine(spec.metadata.engine)) }
        switch spec.backup?.replica {
        case .s3(let replica)?:
            return .required(.s3(replica: replica))
        case .file(let path)?:
            guard case .s3 = spec.storage else { return .notRequired(.hostLocal) }
            return .required(.file(replicaDirectory: path))
        case nil:
            guard case .s3 = spec.storage else { return .notRequired(.hostLocal) }
            return .requiredWithoutLocation
        }
    }

    /// Whether the volume is owned by one host at a time.
    public var isRequired: Bool {
        switch self {
        case .required, .requiredWithoutLocation: true
        case .notRequired: false
        }
    }

    /// Where the record lives, when the volume needs one and has a place for it.
    public var location: OwnershipLocation? {
        if case .required(let location) = self { return location }
        return nil
    }
}

extension VolumeSpec {
    /// This installation's instance id (see ``OwnershipIdentity/instance``).
    public var instanceIdFile: String { "\(stateDir)/instance-id" }
    /// What this instance remembers owning (see ``RememberedOwnership``).
    public var ownershipMemoryFile: String { "\(stateDir)/ownership.json" }
}
