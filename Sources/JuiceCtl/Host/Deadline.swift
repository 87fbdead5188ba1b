internal import Foundation
internal import JuiceCtlCore
internal import Synchronization

/// Runs blocking system calls that may hang (a `stat` on a FUSE mount whose metadata engine is down blocks for
/// tens of seconds and ignores signals) on their own thread, and stops waiting at a deadline.
///
/// A call that misses its deadline keeps its thread until the kernel lets go; the caller moves on.
enum Deadline {
    /// The value `body` returns, or `nil` when it has not returned within `limit` on `clock`.
    static func run<T: Sendable>(_ limit: Duration, clock: HostClock, _ body: @escaping @Sendable () -> T) async -> T? {
        let gate = Gate<T>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            gate.install(continuation)
            let thread = Thread {
                gate.finish(body())
            }
            thread.stackSize = 256 << 10
            thread.start()
            Task {
                try? await clock.sleep(limit)
                gate.finish(nil)
            }
        }
    }

    /// Resumes a continuation exactly once, with whichever result arrives first.
    private final class Gate<T: Sendable>: Sendable {
        private let state = Mutex<CheckedContinuation<T?, Never>?>(nil)

        func install(_ continuation: CheckedContinuation<T?, Never>) {
            state.withLock { $0 = continuation }
        }

        func finish(_ value: T?) {
            let continuation = state.withLock { current -> CheckedContinuation<T?, Never>? in
                defer { current = nil }
                return current
            }
            continuation?.resume(returning: value)
        }
    }
}
