internal import JuiceCtlCore

/// Receives the start and end of long operations (a clone, a tree removal), so that a terminal can show them.
/// The executor never prints; the CLI decides whether and where progress goes.
public protocol OperationProgress: Sendable {
    /// A long operation began.
    func begin(_ label: String)
    /// It ended (successfully or not).
    func end(_ label: String, duration: Duration, succeeded: Bool)
    /// What is left of the running operation `label` changed (for example `3 blocks (12.0 MiB) left`).
    func update(_ label: String, detail: String)
}

/// Progress that goes nowhere (libraries, JSON output, pipes).
public struct SilentProgress: OperationProgress {
    /// Creates a silent reporter.
    public init() {}
    public func begin(_ label: String) {}
    public func end(_ label: String, duration: Duration, succeeded: Bool) {}
}

extension OperationProgress {
    /// Reporters without a detail line ignore updates.
    public func update(_ label: String, detail: String) {}

    /// Runs `body` between `begin` and `end`, timed on `clock`.
    func measure<T>(_ label: String, clock: HostClock, _ body: () async throws -> T) async throws -> T {
        let start = clock.now()
        begin(label)
        do {
            let value = try await body()
            end(label, duration: clock.now() - start, succeeded: true)
            return value
        } catch {
            end(label, duration: clock.now() - start, succeeded: false)
            throw error
        }
    }
}
