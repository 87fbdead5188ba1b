/// The object storage's state, as far as this host can see it.
public enum StorageState: Sendable, Hashable {
    /// No object of this volume name.
    case empty
    /// Objects of a volume with this name exist; `uuid` is the UUID they belong to.
    case holdsVolume(uuid: String)
    /// The storage could not be inspected.
    case unknown(String)
    /// Remote object storage (S3) that juicectl does not list itself: `juicefs format` checks it and refuses a
    /// bucket that already holds objects under the volume's name.
    case remote(endpoint: String)
}
