internal import Foundation
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// What quiescing did around one clone.
struct QuiesceReport: Sendable, Hashable {
    /// How long the cgroups were frozen (from the first freeze written to the last thaw written); `nil` when
    /// nothing was frozen.
    var frozenFor: Duration?
    /// The cgroups juicectl froze.
    var frozen: [String] = []
    /// cgroups that do not exist (nothing runs there to freeze).
    var absent: [String] = []
    /// cgroups that were frozen before the checkpoint (by someone else): left as they were.
    var alreadyFrozen: [String] = []
    /// Hooks run.
    var hooks = 0

    /// ` (sandbox frozen 212 ms: /sys/fs/cgroup/...)`-style words for the result message.
    var summary: String {
        var parts: [String] = []
        if let frozenFor { parts.append("sandbox frozen for \(frozenFor.milliseconds) ms (\(frozen.joined(separator: ", ")))") }
        if !alreadyFrozen.isEmpty { parts.append("already frozen before: \(alreadyFrozen.joined(separator: ", "))") }
        if !absent.isEmpty { parts.append("no such cgroup, nothing to freeze: \(absent.joined(separator: ", "))") }
        if hooks > 0 { parts.append("\(hooks) hook\(hooks == 1 ? "" : "s") run") }
        return parts.joined(separator: "; ")
    }
}

/// One checkpoint's hold on a freeze: the freeze lock (held while anything is frozen), the records of what is frozen,
/// and the watchdog that thaws them if juicectl dies or hangs (``FreezeWatchdog``).
struct FreezeGuard: Sendable {
    let lock: any HeldLock
    let recordFile: String?
    let host: any HostProbing

    /// Whether the watchdog has thawed the cgroups already (it removes the record when it does).
    var watchdogThawed: Bool { recordFile.map { !host.fileExists($0) } ?? false }

    /// Removes the record (everything is thawed) and lets go of the lock: the watchdog then exits without acting.
    func release(thawed: Bool) {
        if thawed, let recordFile { try? host.removeLocalItem(recordFile) }
        lock.release()
    }
}

extension Executor {
    /// The longest the overlay image's filesystem may stay frozen when no `quiesce.maxFrozen` bounds it: the
    /// watchdog thaws it then, and the checkpoint fails.
    static let overlayFreezeLimit: Duration = .seconds(60)
    /// How long before `maxFrozen` juicectl abandons the clone, so that thawing still ends inside the limit: 20 ms, or
    /// a quarter of a smaller limit.
    static func thawMargin(_ limit: Duration) -> Duration { min(.milliseconds(20), limit / 4) }

    /// Takes the freeze lock, writes the record of `cgroups`, and starts the watchdog with `limit`.
    func startFreezeGuard(
        _ spec: VolumeSpec, checkpoint: String, cgroups: [FreezableCgroup], overlayUpperMount: String?,
        limit: Duration
    ) async throws -> FreezeGuard {
        try host.createLocalDirectory(spec.stateDir, mode: 0o700)
        let lock = try await host.exclusiveLock(spec.freezeLockFile, operation: "checkpoint \(checkpoint)", timeout: .seconds(10))
        var recordFile: String?
        do {
            if !cgroups.isEmpty {
                let pid = getpid()
                let record = FreezeRecord(
                    pid: pid, processStart: host.processStartTime(pid), checkpoint: checkpoint,
                    cgroups: cgroups, startedAt: clock.date())
                try host.writeLocalFile(spec.freezeRecordFile, try CheckpointJSON.encoder.encode(record), mode: 0o600)
                recordFile = spec.freezeRecordFile
            }
            let command = FreezeWatchdog.command(
                tools: tools, lockFile: spec.freezeLockFile, limit: limit, recordFile: spec.freezeRecordFile,
                overlayMarker: spec.frozenMarkerFile, overlayUpperMount: overlayUpperMount, cgroups: cgroups)
            let started = try await runner.run(command)
            guard started.succeeded, Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil else {
                throw StepError(
                    "the freeze watchdog did not start "
                        + "(\(started.terminationDescription): \(started.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); "
                        + "nothing was frozen"
                )
            }
        } catch {
            if let recordFile { try? host.removeLocalItem(recordFile) }
            lock.release()
            throw error
        }
        return FreezeGuard(lock: lock, recordFile: recordFile, host: host)
    }

    /// Runs `body` (the clone of `/active`) with the sandbox quiesced as `spec.checkpoints.quiesce` says: the `pre`
    /// hooks, then every cgroup frozen (and confirmed frozen), `body`, the thaw, then the `post` hooks, which run on
    /// every way out once `pre` began. `body` gets the freeze guard when one is held, so that it does not start a
    /// second one (the overlay image's freeze runs inside this one).
    ///
    /// A `body` still running when `maxFrozen` is near is cancelled and the cgroups thawed at once: the checkpoint
    /// fails with ``QuiesceError/frozenTooLong(limit:frozenMilliseconds:tree:)``. Without a quiesce section `body`
    /// just runs.
    func quiesced<T: Sendable>(
        _ spec: VolumeSpec, checkpoint: String, overlayUpperMount: String?,
        _ body: @escaping @Sendable (FreezeGuard?) async throws -> T
    ) async throws -> (T, QuiesceReport) {
        guard let settings = spec.checkpoints.quiesce else { return (try await body(nil), QuiesceReport()) }
        var report = QuiesceReport()
        let outcome: Result<T, any Error>
        do {
            try await runHooks(
                settings.pre, phase: .pre, spec: spec, checkpoint: checkpoint, timeout: settings.hookTimeout, report: &report)
            outcome = .success(
                try await frozen(
                    spec, settings: settings, checkpoint: checkpoint, overlayUpperMount: overlayUpperMount,
                    report: &report, body))
        } catch {
            outcome = .failure(error)
        }
        // post runs after the thaw, always; its own failure is reported unless an earlier one is.
        var postFailure: (any Error)?
        do {
            try await runHooks(
                settings.post, phase: .post, spec: spec, checkpoint: checkpoint, timeout: settings.hookTimeout, report: &report)
        } catch {
            postFailure = error
        }
        let value = try outcome.get()
        if let postFailure { throw postFailure }
        return (value, report)
    }

    /// The freeze itself: resolve and check the cgroups, start the guard, freeze, confirm, run `body` within the
    /// limit, thaw.
    private func frozen<T: Sendable>(
        _ spec: VolumeSpec, settings: VolumeSpec.Quiesce, checkpoint: String, overlayUpperMount: String?,
        report: inout QuiesceReport,
        _ body: @escaping @Sendable (FreezeGuard?) async throws -> T
    ) async throws -> T {
        let freezer = CgroupFreezer(host: host)
        var targets: [FreezableCgroup] = []
        for path in settings.cgroups {
            let (observation, cgroup) = freezer.inspect(path)
            switch observation.presence {
            case .absent: report.absent.append(path)
            case .unusable(let reason): throw QuiesceError.cgroupUnusable(path: path, reason: reason)
            case .cgroup(_, let state):
                guard let cgroup else { continue }
                if state == .thawed { targets.append(cgroup) } else { report.alreadyFrozen.append(path) }
            }
        }
        try await refuseFreezingOwnProcesses(targets, spec: spec)
        let limit = settings.maxFrozen.duration
        let guardHandle = try await startFreezeGuard(
            spec, checkpoint: checkpoint, cgroups: targets, overlayUpperMount: overlayUpperMount,
            limit: limit + .seconds(1))
        let start = clock.now()
        var thawed = false
        func thawAll() throws {
            guard !thawed else { return }
            thawed = true
            var failure: QuiesceError?
            for cgroup in targets.reversed() {
                let code = freezer.thaw(cgroup)
                if code != 0 && failure == nil {
                    failure = .controlWriteFailed(path: cgroup.controlFile, value: cgroup.thawValue, errno: code)
                }
            }
            if let failure {
                thawed = false
                throw failure
            }
        }
        do {
            for cgroup in targets {
                let code = freezer.freeze(cgroup)
                guard code == 0 else {
                    throw QuiesceError.controlWriteFailed(path: cgroup.controlFile, value: cgroup.freezeValue, errno: code)
                }
            }
            try await waitUntilFrozen(targets, freezer: freezer, until: start + limit, since: start)
            try FaultPoint.check("quiesce.after-freeze")
            let value = try await withinLimit(
                until: start + limit - Self.thawMargin(limit), clock: clock, onExpiry: { try? thawAll() },
                body: { try await body(guardHandle) })
            if !targets.isEmpty && guardHandle.watchdogThawed { throw QuiesceError.thawedByWatchdog(limit: settings.maxFrozen) }
            try thawAll()
            report.frozenFor = targets.isEmpty ? nil : clock.now() - start
            report.frozen = targets.map(\.path)
            guardHandle.release(thawed: true)
            return value
        } catch let expired as FrozenLimitExpired {
            let frozenFor = expired.at - start
            guardHandle.release(thawed: thawed)
            throw QuiesceError.frozenTooLong(
                limit: settings.maxFrozen, frozenMilliseconds: frozenFor.milliseconds,
                tree: await juicefs.summary(HostPath.join(spec.mount.path, VolumeLayout.active)))
        } catch {
            let ok = (try? thawAll()) != nil
            guardHandle.release(thawed: ok)
            throw error
        }
    }

    /// Polls the freezer files until every cgroup reports frozen, or `deadline` passes.
    private func waitUntilFrozen(
        _ targets: [FreezableCgroup], freezer: CgroupFreezer, until deadline: Duration,
        since start: Duration
    ) async throws {
        var pending = targets
        while true {
            pending = pending.filter { freezer.state(of: $0) != .frozen }
            if pending.isEmpty { return }
            let now = clock.now()
            guard now < deadline else {
                throw QuiesceError.didNotFreeze(paths: pending.map(\.path), waitedMilliseconds: (now - start).milliseconds)
            }
            try await clock.sleep(.milliseconds(1))
        }
    }

    /// Refuses to freeze a cgroup that holds juicectl itself, the volume's juicefs client or its supervisor, or
    /// Litestream: the clone (served by the juicefs client) would hang, and so would juicectl.
    private func refuseFreezingOwnProcesses(_ targets: [FreezableCgroup], spec: VolumeSpec) async throws {
        guard !targets.isEmpty else { return }
        var needed: [(String, String)] = [("self", "juicectl itself (pid \(getpid()))")]
        if case .live(let mount) = await observer.mountState(spec) {
            needed.append(("\(mount.pid)", "the volume's juicefs client (pid \(mount.pid))"))
            needed.append(("\(mount.supervisorPID)", "the juicefs supervisor (pid \(mount.supervisorPID))"))
        }
        if let record = LitestreamFiles.pidRecord(spec, host: host) {
            needed.append(("\(record.pid)", "Litestream (pid \(record.pid))"))
        }
        let freezer = CgroupFreezer(host: host)
        for cgroup in targets {
            for (pid, who) in needed where freezer.contains(cgroup, pid: pid) == true {
                throw QuiesceError.wouldFreezeItself(path: cgroup.path, process: who)
            }
        }
    }

    /// Runs hooks in order, each with `timeout`, in a clean environment that names the volume and the checkpoint.
    private func runHooks(
        _ hooks: [[String]], phase: QuiesceError.Phase, spec: VolumeSpec, checkpoint: String, timeout: TimeSpan,
        report: inout QuiesceReport
    ) async throws {
        for hook in hooks {
            guard let program = hook.first else { continue }
            // Like every program, a hook gets ChildEnvironment's base and these, nothing else of juicectl's (no secret).
            let command = Command(
                program, Array(hook.dropFirst()),
                environment: [
                    "JUICECTL_VOLUME": spec.name, "JUICECTL_CHECKPOINT": checkpoint,
                    "JUICECTL_MOUNT": spec.mount.path, "JUICECTL_HOOK": phase.rawValue,
                ],
                timeout: timeout.duration)
            let result: CommandResult
            do {
                result = try await runner.run(command)
            } catch {
                throw QuiesceError.hookNotStarted(phase: phase, command: hook, reason: error.reason)
            }
            report.hooks += 1
            guard result.succeeded else {
                let ended = result.termination == .timedOut ? "it ran past hookTimeout \(timeout)" : result.terminationDescription
                throw QuiesceError.hookFailed(
                    phase: phase, command: hook, ended: ended, outputTail: Self.tail(result.stdout + result.stderr))
            }
        }
    }

    /// The last lines of a program's output, at most 512 characters, on one line.
    static func tail(_ output: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).suffix(5).joined(separator: " | ")
        return lines.count > 512 ? "…" + String(lines.suffix(511)) : lines
    }

    /// Thaws the cgroups a checkpoint juicectl was killed in left frozen (its record names them), then removes the
    /// record. Refused while the checkpoint that froze them still runs.
    func thawLeftCgroups(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard let data = host.readLocalFile(spec.freezeRecordFile) else { return .skipped("no freeze is recorded") }
        guard let record = try? CheckpointJSON.decoder.decode(FreezeRecord.self, from: data) else {
            try host.removeLocalItem(spec.freezeRecordFile)
            return .done("removed an unreadable freeze record \(spec.freezeRecordFile)")
        }
        guard !record.writerAlive(host: host) || record.pid == getpid() else {
            return .skipped("checkpoint \(record.checkpoint) (pid \(record.pid)) holds the freeze right now")
        }
        let freezer = CgroupFreezer(host: host)
        var thawed: [String] = []
        for cgroup in record.cgroups {
            let wasFrozen = freezer.state(of: cgroup).map { $0 != .thawed } ?? false
            let code = freezer.thaw(cgroup)
            guard code == 0 else { throw QuiesceError.controlWriteFailed(path: cgroup.controlFile, value: cgroup.thawValue, errno: code) }
            if wasFrozen { thawed.append(cgroup.path) }
        }
        try host.removeLocalItem(spec.freezeRecordFile)
        return .done(
            thawed.isEmpty
                ? "the cgroups checkpoint \(record.checkpoint) froze run again already; removed its freeze record"
                : "thawed \(thawed.joined(separator: ", ")), frozen since \(ISO8601DateFormatter().string(from: record.startedAt)) by "
                    + "checkpoint \(record.checkpoint)"
        )
    }
}

/// `maxFrozen` (minus the thaw margin) passed while the clone ran.
struct FrozenLimitExpired: Error {
    /// When it passed.
    var at: Duration
}

/// Which of a clone and its deadline ended first.
enum LimitRace<T: Sendable>: Sendable {
    case finished(Result<T, any Error>)
    case expired
}

/// Runs `body`, but when `deadline` comes first: calls `onExpiry` at once (the thaw must not wait for the cancelled
/// clone to wind down), cancels `body`, waits for it, and throws ``FrozenLimitExpired``. `deadline` is a reading of
/// `clock`'s monotonic time.
func withinLimit<T: Sendable>(
    until deadline: Duration, clock: HostClock, onExpiry: () -> Void,
    body: @escaping @Sendable () async throws -> T
) async throws -> T {
    return try await withThrowingTaskGroup(of: LimitRace<T>.self) { group in
        group.addTask {
            do { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
        }
        group.addTask {
            try? await clock.sleep(max(.zero, deadline - clock.now()))
            return .expired
        }
        let first = try await group.next() ?? .expired
        switch first {
        case .finished(let result):
            group.cancelAll()
            return try result.get()
        case .expired:
            let at = clock.now()
            onExpiry()
            group.cancelAll()
            while try await group.next() != nil {}
            throw FrozenLimitExpired(at: at)
        }
    }
}
