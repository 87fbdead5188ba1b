internal import Foundation
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

extension Executor {
    /// Who uses `tree` of the volume now, in any mount namespace.
    ///
    /// - Throws: when the volume is not mounted here (then nobody can be asked, and nothing may be replaced).
    func users(of tree: String, spec: VolumeSpec) async throws -> [TreeUser] {
        guard let users = await observer.treeUsers(spec, trees: [tree]) else {
            throw StepError(
                "the volume is not mounted at \(spec.mount.path), so juicectl cannot tell who uses \(tree); run juicectl apply first")
        }
        return users
    }

    /// Terminates every process that uses `tree` (and every process of another mount namespace that mounts part
    /// of it): SIGTERM, up to `grace` to exit, then SIGKILL; again while new users show up (three rounds at most).
    /// Returns the pids terminated.
    ///
    /// - Throws: when something cannot be terminated: a mount in juicectl's own mount namespace (it outlives every
    ///   process), juicectl itself or one of its ancestors, pid 1, the volume's juicefs client or Litestream; or
    ///   when users are still there after the last round.
    func terminateUsers(of tree: String, spec: VolumeSpec, grace: Duration) async throws -> [Int32] {
        let protected = await protectedProcesses(spec)
        var terminated: [Int32] = []
        for _ in 0..<3 {
            let users = try await users(of: tree, spec: spec)
            if users.isEmpty { return terminated }
            let pinned = users.filter(\.outlivesProcesses)
            guard pinned.isEmpty else {
                throw StepError("\(tree) is in use by what no signal ends: \(TreeUser.summary(pinned)); unmount it and try again")
            }
            var targets: Set<Int32> = []
            for user in users {
                switch user.holder {
                case .process(let pid, _, _): targets.insert(pid)
                case .mount(_, _, _, let pids): targets.formUnion(pids)
                }
            }
            let refused = targets.filter { protected[$0] != nil }
            guard refused.isEmpty else {
                let who = refused.sorted().map { "pid \($0) (\(protected[$0] ?? ""))" }.joined(separator: ", ")
                throw StepError("\(tree) is used by \(who), which juicectl does not terminate; stop it, or move it out of \(tree)")
            }
            terminated += try await signalAndWait(Array(targets).sorted(), grace: grace)
        }
        let left = try await users(of: tree, spec: spec)
        guard left.isEmpty else {
            throw StepError("\(tree) is still in use after terminating \(terminated.count) process(es): \(TreeUser.summary(left))")
        }
        return terminated
    }

    /// SIGTERM to `pids` (only while each is the process seen first: a reused pid is left alone), up to `grace` for
    /// them to exit, then SIGKILL to the rest and up to 10 s more. Returns the pids signalled.
    private func signalAndWait(_ pids: [Int32], grace: Duration) async throws -> [Int32] {
        let starts = Dictionary(uniqueKeysWithValues: pids.compactMap { pid in host.processStartTime(pid).map { (pid, $0) } })
        func running(_ pid: Int32) -> Bool { host.processStartTime(pid) == starts[pid] && starts[pid] != nil }
        let signalled = pids.filter { running($0) && host.signal($0, SIGTERM) }
        let deadline = clock.now() + grace
        while clock.now() < deadline, signalled.contains(where: running) {
            try await clock.sleep(.milliseconds(50))
        }
        let stubborn = signalled.filter(running)
        for pid in stubborn { _ = host.signal(pid, SIGKILL) }
        let killDeadline = clock.now() + .seconds(10)
        while clock.now() < killDeadline, stubborn.contains(where: running) {
            try await clock.sleep(.milliseconds(50))
        }
        return signalled
    }

    /// Processes juicectl never terminates, with why: pid 1, itself and its ancestors, the volume's juicefs client
    /// and supervisor, Litestream.
    private func protectedProcesses(_ spec: VolumeSpec) async -> [Int32: String] {
        var protected: [Int32: String] = [1: "init"]
        var pid = getpid()
        protected[pid] = "juicectl itself"
        for _ in 0..<64 {
            guard let stat = host.readControlFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { break }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = Int32(fields[1]), parent > 1 else { break }
            protected[parent] = "an ancestor of juicectl"
            pid = parent
        }
        if case .live(let mount) = await observer.mountState(spec) {
            protected[mount.pid] = "the volume's juicefs client"
            protected[mount.supervisorPID] = "the juicefs supervisor"
        }
        if let record = LitestreamFiles.pidRecord(spec, host: host) { protected[record.pid] = "Litestream" }
        return protected
    }

    /// The refusal of a step that would replace or remove `tree` while `users` use it; nothing was changed.
    static func inUse(_ tree: String, _ users: [TreeUser], what: String, hint: String) -> StepError {
        StepError("\(tree) is in use, so \(what): \(TreeUser.summary(users)). \(hint)")
    }
}
