internal import Synchronization

/// Set once when the reconciler is asked to stop; read between actions (never cancels the one running).
package final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// A flag not yet set.
    package init() {}

    /// Whether a stop was requested.
    package var isSet: Bool { value.load(ordering: .acquiring) }

    /// Requests the stop.
    package func set() {
        value.store(true, ordering: .releasing)
    }
}
