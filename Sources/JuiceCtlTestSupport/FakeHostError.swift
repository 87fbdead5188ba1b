/// A failure a ``FakeHost`` was told to produce (an unreadable mount table, a local directory it cannot create).
public struct FakeHostError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the fake reports.
    public var message: String

    /// Creates an error.
    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
