import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization

/// Virtual time for several tasks at once: time stands still while any of them runs, and moves to the next wake-up
/// only when every one is blocked, in a sleep or in a held store call. Runs are deterministic: events at the same
/// instant happen in the order they were scheduled.
///
/// A held store call (``hold(_:deadline:)``) waits until the run's policy releases it, or until its deadline passes.
final class VirtualTime: Sendable {
    /// How a blocked task was woken.
    enum Wakeup: Sendable {
        /// Its sleep ended.
        case time
        /// The policy released its held call.
        case released
        /// Its held call's deadline passed first.
        case timedOut
    }

    private struct Entry {
        var id: Int
        var wake: Duration
        /// Set for a held store call.
        var label: String?
        var continuation: CheckedContinuation<Wakeup, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var entries: [Entry] = []
        var nextID = 0
        var running = 0
        var nonces = 0
        var finished: Set<String> = []
        var released: [String] = []
    }

    private let state = Mutex(State())
    private let origin = Date(timeIntervalSince1970: 1_800_000_000)

    /// The present.
    var now: Duration { state.withLock { $0.now } }

    /// Every held call released so far, in order, with the instant: `A.write#1@2.0`.
    var releases: [String] { state.withLock { $0.released } }

    /// A clock over this virtual time, with random numbers 0 and nonces `n1`, `n2`, ...
    var clock: HostClock {
        HostClock(
            date: { self.origin.addingTimeInterval(Double(self.now.components.seconds)) },
            now: { self.now }, sleep: { try await self.sleep($0) },
            random: { 0 }, nonce: { "n\(self.nextNonce())" })
    }

    private func nextNonce() -> Int {
        state.withLock { state in
            state.nonces += 1
            return state.nonces
        }
    }

    /// Sleeps `duration` of virtual time.
    func sleep(_ duration: Duration) async throws {
        _ = try await block(after: duration, label: nil)
    }

    /// Holds a store call named `label` until the policy releases it (`.released`) or `deadline` passes
    /// (`.timedOut`).
    func hold(_ label: String, deadline: Duration) async throws -> Wakeup {
        try await block(after: deadline, label: label)
    }

    /// Marks `participant` as done: the policy skips what it still expected of it.
    func finish(_ participant: String) {
        state.withLock { _ = $0.finished.insert(participant) }
    }

    /// Whether `participant` is done.
    func isFinished(_ participant: String) -> Bool {
        state.withLock { $0.finished.contains(participant) }
    }

    private func block(after duration: Duration, label: String?) async throws -> Wakeup {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Wakeup, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.entries.append(Entry(id: id, wake: state.now + duration, label: label, continuation: continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let entry = state.withLock { state -> Entry? in
                guard let index = state.entries.firstIndex(where: { $0.id == id }) else { return nil }
                return state.entries.remove(at: index)
            }
            entry?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs `bodies` concurrently in virtual time and returns their results in order. `policy` is asked, whenever
    /// every body is blocked, which held call to release (given the labels held, oldest first); `nil` lets time move
    /// on to the next wake-up. By default the oldest held call is released at once.
    func run<T: Sendable>(
        _ bodies: [@Sendable () async -> T],
        policy: @escaping @Sendable ([String]) -> String? = { $0.first }
    ) async -> [T] {
        state.withLock { $0.running = bodies.count }
        return await withTaskGroup(of: (Int, T).self) { group in
            for (index, body) in bodies.enumerated() {
                group.addTask {
                    let result = await body()
                    self.state.withLock { $0.running -= 1 }
                    return (index, result)
                }
            }
            await drive(policy)
            var results = [T?](repeating: nil, count: bodies.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    private enum Step {
        case done, wait
        case resume(CheckedContinuation<Wakeup, any Error>, Wakeup)
    }

    private func drive(_ policy: @Sendable ([String]) -> String?) async {
        while true {
            // Every body blocked: ask the policy (outside the lock: it may look at this object) which held call goes.
            let held = state.withLock { state -> [String]? in
                guard state.running > 0, state.entries.count == state.running else { return nil }
                return state.entries.filter { $0.label != nil }.sorted { $0.id < $1.id }.compactMap(\.label)
            }
            let chosen = held.flatMap(policy)
            let step = state.withLock { state -> Step in
                if state.running == 0 { return .done }
                guard held != nil, state.entries.count == state.running else { return .wait }
                if let chosen, let index = state.entries.firstIndex(where: { $0.label == chosen }) {
                    let entry = state.entries.remove(at: index)
                    state.released.append("\(chosen)@\(Self.seconds(state.now))")
                    return .resume(entry.continuation, .released)
                }
                guard
                    let next = state.entries.indices.min(by: {
                        (state.entries[$0].wake, state.entries[$0].id) < (state.entries[$1].wake, state.entries[$1].id)
                    })
                else { return .wait }
                let entry = state.entries.remove(at: next)
                state.now = max(state.now, entry.wake)
                return .resume(entry.continuation, entry.label == nil ? .time : .timedOut)
            }
            switch step {
            case .done: return
            case .wait: try? await Task.sleep(for: .microseconds(50))
            case .resume(let continuation, let wakeup): continuation.resume(returning: wakeup)
            }
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1f", Double(milliseconds) / 1000)
    }
}

/// A claimer's view of a shared store in virtual time: each call is held until the run's policy releases it (then it
/// takes effect at once on `shared`) or its deadline passes (then it fails without effect, as a request curl gave up
/// on). Calls are labelled `<participant>.<read|write>#<n>`.
final class HeldStore: OwnershipStoring {
    struct TimedOut: Error {}

    let participant: String
    let time: VirtualTime
    let shared: InMemoryOwnershipStore
    private let counts = Mutex<[String: Int]>([:])

    init(_ participant: String, time: VirtualTime, shared: InMemoryOwnershipStore) {
        self.participant = participant
        self.time = time
        self.shared = shared
    }

    var location: String { shared.location }

    private func label(_ kind: String) -> String {
        let count = counts.withLock { counts -> Int in
            counts[kind, default: 0] += 1
            return counts[kind]!
        }
        return "\(participant).\(kind)#\(count)"
    }

    func read(deadline: Duration) async throws -> OwnershipRecord? {
        guard try await time.hold(label("read"), deadline: deadline) == .released else { throw TimedOut() }
        return try await shared.read(deadline: deadline)
    }

    func write(_ record: OwnershipRecord, deadline: Duration) async throws {
        guard try await time.hold(label("write"), deadline: deadline) == .released else { throw TimedOut() }
        try await shared.write(record, deadline: deadline)
    }
}
