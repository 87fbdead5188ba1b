/// Something the plan does not do, and why, that is no conflict: it resolves by itself (a checkpoint retention would
/// remove is kept while something still uses it).
public struct PlanNote: Sendable, Hashable, Codable {
    /// What the note is about.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Retention would remove the checkpoint, but a process or a mount still reaches it: it is kept.
        case keptInUse = "kept-in-use"
    }

    /// What the note is about.
    public var kind: Kind
    /// What it concerns: a checkpoint's name.
    public var target: String
    /// Why, for people.
    public var message: String

    /// Creates a note.
    public init(kind: Kind, target: String, message: String) {
        self.kind = kind
        self.target = target
        self.message = message
    }
}
