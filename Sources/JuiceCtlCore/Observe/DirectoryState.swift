/// A path on the volume.
public enum DirectoryState: String, Sendable, Hashable, Codable {
    /// A directory.
    case directory
    /// Nothing there.
    case missing
    /// Something that is not a directory.
    case notDirectory
}
