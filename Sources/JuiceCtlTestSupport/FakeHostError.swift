/// A failure a ``FakeHost`` was told to produce (an unreadable mount table, a local directory it cannot create).
package struct FakeHostError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the fake reports.
    package var message: String

    /// Creates an error.
    package init(message: String) {
        self.message = message
    }

    package var description: String { message }
}
