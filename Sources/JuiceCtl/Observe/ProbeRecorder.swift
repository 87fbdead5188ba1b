internal import Foundation
internal import JuiceCtlCore

/// What a probe's result says about whether the probe got an answer (its record's ``ProbeRecord/ok``). Each type a
/// probe returns decides for itself, so the recorder never asks a result what it is at run time.
protocol ProbeAnswer {
    /// Whether the probe answered.
    var answered: Bool { get }
}

/// Times each probe on the observer's monotonic clock and keeps the records for the observation.
struct ProbeRecorder {
    private(set) var records: [ProbeRecord] = []
    private let clock: HostClock

    /// A recorder that times probes on `clock`'s monotonic time.
    init(clock: HostClock) {
        self.clock = clock
    }

    /// Runs `body` and records how long it took and whether it answered.
    mutating func measure<T: ProbeAnswer>(_ source: String, _ body: () throws -> T) rethrows -> T {
        let start = clock.now()
        let value = try body()
        record(source, since: start, ok: value.answered)
        return value
    }

    /// Runs `body` and records how long it took and whether it answered.
    mutating func measure<T: ProbeAnswer>(_ source: String, _ body: () async throws -> T) async rethrows -> T {
        let start = clock.now()
        let value = try await body()
        record(source, since: start, ok: value.answered)
        return value
    }

    /// Runs `body`, a step that leaves its findings elsewhere, and records how long it took (as answered).
    mutating func measureStep(_ source: String, _ body: () async -> Void) async {
        let start = clock.now()
        await body()
        record(source, since: start, ok: true)
    }

    private mutating func record(_ source: String, since start: Duration, ok: Bool) {
        records.append(ProbeRecord(source: source, microseconds: (clock.now() - start).microseconds, ok: ok))
    }
}

// MARK: Answers

extension Optional: ProbeAnswer {
    /// A value is an answer; `nil` (unreadable, not found, no answer) is none.
    var answered: Bool { self != nil }
}

extension PathStatus: ProbeAnswer {
    /// A `stat` that failed answered (with its errno); one that timed out did not.
    var answered: Bool {
        if case .timedOut = self { return false }
        return true
    }
}

extension FileReadAnswer: ProbeAnswer {
    /// A read that failed answered (with its errno); one that timed out did not.
    var answered: Bool {
        if case .timedOut = self { return false }
        return true
    }
}

extension MetadataState: ProbeAnswer {
    /// An engine that could not be read did not answer.
    var answered: Bool {
        if case .unreadable = self { return false }
        return true
    }
}

// Readings of local state, which always answer: what they found is the answer.

extension Bool: ProbeAnswer { var answered: Bool { true } }
extension Array: ProbeAnswer { var answered: Bool { true } }
extension Dictionary: ProbeAnswer { var answered: Bool { true } }
extension VolumeState: ProbeAnswer { var answered: Bool { true } }
extension StorageState: ProbeAnswer { var answered: Bool { true } }
extension RestoreTrees: ProbeAnswer { var answered: Bool { true } }
extension ManifestCache: ProbeAnswer { var answered: Bool { true } }
extension BookkeepingRecord.LineageRead: ProbeAnswer { var answered: Bool { true } }
