import Foundation
import JuiceCtlCore
import JuiceCtlDaemon
import JuiceCtlTestSupport
import Logging
import Synchronization
import Testing

@testable import JuiceCtl

// Small helpers for the daemon's tests (this target cannot see Tests/JuiceCtlTests/Support).

/// A fresh directory under /tmp with a unique name, removed when `body` returns or throws.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = "/tmp/juicectl-daemon-tests-\(UUID().uuidString.lowercased())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

extension Logger {
    /// A logger that drops everything.
    static let quiet = Logger(label: "juicectl-daemon-tests") { _ in SwiftLogNoOpLogHandler() }
}

/// Specs built from YAML through ``SpecLoader``, so that they carry the real defaults and a real revision.
enum DaemonSpec {
    /// The YAML of volume `name` under `baseDir`, with `extra` lines appended.
    static func text(name: String, baseDir: String, _ extra: String = "") -> String {
        "version: 1\nname: \(name)\nbaseDir: \"\(baseDir)\"\n" + extra
    }

    /// Volume `name` under `baseDir`, as if read from `file`.
    static func make(name: String = "alpha", baseDir: String, _ extra: String = "", file: String = "test.yaml") throws -> VolumeSpec {
        let (specs, diagnostics) = SpecLoader().load(text: text(name: name, baseDir: baseDir, extra), file: file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(specs.first)
    }

    /// Writes the spec of `name` under `baseDir` to `file`.
    static func write(_ file: String, name: String, baseDir: String, _ extra: String = "") throws {
        try text(name: name, baseDir: baseDir, extra).write(toFile: file, atomically: true, encoding: .utf8)
    }
}

/// Plans, observations and reports built by hand.
enum Fixtures {
    /// An observation of a volume that does not exist yet.
    static func observation() -> VolumeObservation {
        VolumeObservation(metadata: .missing, storage: .empty, mount: .absent)
    }

    static func action(_ kind: Action.Kind = .setQuota, _ target: String = "/active/fs") -> Action {
        Action(.placeholder(kind, target: target), .create, target: target, reason: "test")
    }

    static let refusal = Conflict(
        code: .refuseFormatOverData, target: "storage",
        message: "the storage holds another volume's objects", hint: "point storage.path elsewhere", blocking: true)
    static let unresponsive = Conflict(
        code: .mountUnresponsive, target: "/srv/alpha/data",
        message: "the mount does not answer but its juicefs client (pid 42) runs", blocking: true)
    static let immutable = Conflict(
        code: .formatSettingChanged, target: "format.blockSize",
        message: "blockSize cannot change after format", blocking: false)

    static func plan(_ spec: VolumeSpec, actions: [Action] = [], conflicts: [Conflict] = []) -> VolumePlan {
        VolumePlan(spec: spec, actions: actions, conflicts: conflicts)
    }

    static func report(
        _ spec: VolumeSpec, results: [ActionResult] = [], remaining: VolumePlan? = nil,
        suspended: Bool = false, interrupted: Bool = false
    ) -> Reconciler.Report {
        Reconciler.Report(
            spec: spec, results: results, remaining: remaining ?? plan(spec), lockWaitMilliseconds: 0,
            observation: observation(), suspended: suspended, interrupted: interrupted)
    }

    static func done(_ action: Action = action()) -> ActionResult {
        ActionResult(action: action, outcome: .done("done"), milliseconds: 12)
    }

    static func failed(_ action: Action = action(), _ why: String = "permission denied") -> ActionResult {
        ActionResult(action: action, outcome: .failed(why), milliseconds: 7)
    }

    /// What a lock held by another run makes `apply` throw.
    static func busy(_ spec: VolumeSpec) -> VolumeLock.Busy {
        VolumeLock.Busy(path: spec.stateDir + "/lock", holder: nil, waited: .seconds(60))
    }
}

/// Virtual time for the daemon: the test moves it by hand (``advance(by:)``) or lets it run from one sleeper's
/// wake-up to the next (``run(for:until:)``); a sleep ends only when the time passes its wake-up (or its task is
/// cancelled). Its random numbers are 0 (no jitter).
final class ManualClock: Sendable {
    private struct Sleeper {
        var id: Int
        var wake: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var date: Date
        var elapsed: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(date: start))
    }

    /// The present.
    var now: Date { state.withLock { $0.date } }

    /// How many tasks sleep right now.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// A ``HostClock`` over this time.
    var hostClock: HostClock {
        HostClock(
            date: { self.now }, now: { self.state.withLock { $0.elapsed } }, sleep: { try await self.sleep($0) },
            random: { 0 }, nonce: { "nonce" })
    }

    /// Moves the time on by `seconds`, waking every sleeper whose wake-up it passes.
    func advance(by seconds: TimeInterval) {
        let due = state.withLock { state -> [Sleeper] in
            state.date = state.date.addingTimeInterval(seconds)
            state.elapsed += .milliseconds(Int64((seconds * 1000).rounded()))
            let due = state.sleepers.filter { $0.wake <= state.elapsed }.sorted { ($0.wake, $0.id) < ($1.wake, $1.id) }
            state.sleepers.removeAll { $0.wake <= state.elapsed }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves the time to the earliest wake-up and wakes that sleeper; `false` when nobody sleeps.
    @discardableResult
    func advanceToNextWakeup() -> Bool {
        let next = state.withLock { state -> Sleeper? in
            guard
                let index = state.sleepers.indices.min(by: {
                    (state.sleepers[$0].wake, state.sleepers[$0].id) < (state.sleepers[$1].wake, state.sleepers[$1].id)
                })
            else { return nil }
            let sleeper = state.sleepers.remove(at: index)
            if sleeper.wake > state.elapsed {
                let step = sleeper.wake - state.elapsed
                state.date = state.date.addingTimeInterval(Double(step.milliseconds) / 1000)
                state.elapsed = sleeper.wake
            }
            return sleeper
        }
        next?.continuation.resume()
        return next != nil
    }

    /// Lets the time run, for at most `limit` of it: gives the tasks a moment of real time to reach their next sleep,
    /// then wakes the earliest sleeper, until `condition` holds (checked between steps). When no sleeper is due
    /// within the limit for a while (every task idle or waiting on something else), the time moves to the limit.
    /// Returns whether the condition held.
    @discardableResult
    func run(for limit: Duration, until condition: () -> Bool = { false }) async -> Bool {
        let end = state.withLock { $0.elapsed } + limit
        var idle = 0
        while idle < 50 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
            if condition() { return true }
            let next = state.withLock { state in state.sleepers.map(\.wake).min() }
            if let next, next <= end {
                advanceToNextWakeup()
                idle = 0
            } else {
                idle += 1
            }
        }
        let left = end - state.withLock { $0.elapsed }
        if left > .zero { advance(by: Double(left.milliseconds) / 1000) }
        return condition()
    }

    /// Sleeps `duration` of this time (throws `CancellationError` when the task is cancelled).
    func sleep(_ duration: Duration) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, wake: state.elapsed + max(.zero, duration), continuation: continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// Closed until opened; every waiter resumes when it opens.
final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A scripted ``VolumeReconciling``: each volume answers `apply` and `plan` from a script the test sets, and every
/// call is counted. `apply` may be held until the test releases it.
final class ScriptedReconciler: VolumeReconciling {
    enum ApplyScript: Sendable {
        /// Returns the report built from the spec.
        case report(@Sendable (VolumeSpec) -> Reconciler.Report)
        /// Throws the error.
        case error(@Sendable (VolumeSpec) -> any Error)
    }

    private struct State {
        var apply: [String: ApplyScript] = [:]
        var plan: [String: @Sendable (VolumeSpec) -> VolumePlan] = [:]
        var applied: [String] = []
        var planned: [String] = []
        var appliedRevisions: [String] = []
        var finishedApplies: [String] = []
        var gates: [String: Gate] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// How `apply` answers for `volume` (default: converged, nothing to do).
    func onApply(_ volume: String, _ script: ApplyScript) {
        state.withLock { $0.apply[volume] = script }
    }

    /// What `plan` answers for `volume` (default: nothing to do).
    func onPlan(_ volume: String, _ plan: @escaping @Sendable (VolumeSpec) -> VolumePlan) {
        state.withLock { $0.plan[volume] = plan }
    }

    /// From now on `apply` of `volume` waits in the middle until ``release(_:)``.
    func hold(_ volume: String) {
        state.withLock { $0.gates[volume] = Gate() }
    }

    /// Lets a held `apply` of `volume` finish (and the following ones run through).
    func release(_ volume: String) {
        state.withLock { $0.gates.removeValue(forKey: volume) }?.open()
    }

    /// Volumes in the order `apply` was called.
    var applied: [String] { state.withLock { $0.applied } }
    /// Volumes in the order `plan` was called.
    var planned: [String] { state.withLock { $0.planned } }
    /// Volumes in the order their `apply` returned.
    var finishedApplies: [String] { state.withLock { $0.finishedApplies } }
    /// The revisions `apply` was called with.
    var appliedRevisions: [String] { state.withLock { $0.appliedRevisions } }

    func applies(of volume: String) -> Int { applied.filter { $0 == volume }.count }
    func plans(of volume: String) -> Int { planned.filter { $0 == volume }.count }

    /// Waits until `condition` holds, checking every 10 ms, for at most `seconds`; returns whether it held.
    @discardableResult
    func waitUntil(seconds: Double = 20, _ condition: @Sendable (ScriptedReconciler) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    func apply(_ spec: VolumeSpec) async throws -> Reconciler.Report {
        let (script, gate) = state.withLock { state in
            state.applied.append(spec.name)
            state.appliedRevisions.append(spec.origin.revision)
            return (state.apply[spec.name], state.gates[spec.name])
        }
        await gate?.wait()
        defer { state.withLock { $0.finishedApplies.append(spec.name) } }
        switch script {
        case .report(let make)?: return make(spec)
        case .error(let make)?: throw make(spec)
        case nil: return Fixtures.report(spec)
        }
    }

    func plan(_ spec: VolumeSpec) async -> (plan: VolumePlan, observation: VolumeObservation) {
        let plan = state.withLock { state in
            state.planned.append(spec.name)
            return state.plan[spec.name]
        }
        return (plan?(spec) ?? Fixtures.plan(spec), Fixtures.observation())
    }
}

/// A transient failure a fake apply throws.
struct FakeFailure: Error, CustomStringConvertible {
    var description: String { "the fake apply failed" }
}

/// A supervisor context over `reconciler`; its status files and event logs are on the real disk (a temporary
/// directory) unless `host` says otherwise.
func makeContext(
    reconciler: any VolumeReconciling, clock: HostClock = .system, paths: [String] = [],
    interval: Duration = .seconds(30), backoff: RetryBackoff = RetryBackoff(jitter: 0),
    busyRetry: Duration = .seconds(5), metrics: DaemonMetrics = DaemonMetrics(version: "test"),
    stop: StopFlag = StopFlag(), host: any HostProbing = LiveHost()
) -> SupervisorContext {
    SupervisorContext(
        configuration: DaemonConfiguration(paths: paths, interval: interval, backoff: backoff, busyRetry: busyRetry),
        reconciler: reconciler, metrics: metrics, logger: .quiet, stop: stop, clock: clock,
        host: host,
        daemon: RunStatus.DaemonInfo(
            pid: getpid(), startedAt: Date(timeIntervalSince1970: 1_800_000_000),
            intervalSeconds: interval.seconds))
}
