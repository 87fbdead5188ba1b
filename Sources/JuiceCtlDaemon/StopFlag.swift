internal import Synchronization

/// Set once when the reconciler is asked to stop; read between actions (never cancels the one running).
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// A flag not yet set.
    public init() {}

    /// Whether a stop was requested.
    public var isSet: Bool { value.load(ordering: .acquiring) }

    /// Requests the stop.
    public func set() {
        value.store(true, ordering: .releasing)
    }
}
