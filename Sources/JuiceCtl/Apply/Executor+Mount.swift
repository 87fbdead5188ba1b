internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Mounts the volume in the background and verifies that it answers.
    func mount(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        switch await observer.mountState(spec) {
        case .live(let live):
            return .skipped("already mounted at \(spec.mount.path) (pid \(live.pid))")
        case .foreign(let fstype, let source):
            throw StepError("\(spec.mount.path) now holds \(fstype) \(source); not mounting on top of it")
        case .stale(let reason, _):
            throw StepError("a dead mount appeared at \(spec.mount.path) (\(reason)); the next plan recovers it")
        case .unresponsive(let reason, let pid):
            throw StepError(
                "a mount at \(spec.mount.path) does not answer (\(reason)) while its juicefs client (pid \(pid)) runs; not mounting on "
                    + "top of it"
            )
        case .absent:
            break
        }
        try prepareHostDirectories(spec)
        try await juicefs.mount(spec)
        let live = try await verifyMounted(spec)
        try recordMountPath(spec, pid: live.pid)
        return .done("mounted at \(spec.mount.path) (pid \(live.pid))")
    }

    /// Re-runs `juicefs mount` on the live mount point: the new client takes the FUSE session over.
    func remountInPlace(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live(let before) = await observer.mountState(spec) else {
            throw StepError("\(spec.mount.path) is no longer mounted and answering; the next plan mounts it")
        }
        try prepareHostDirectories(spec)
        try await juicefs.mount(spec)
        let after = try await verifyMounted(spec)
        guard after.stackedEntries == 1 else {
            throw StepError(
                "the new client stacked a second mount at \(spec.mount.path) instead of taking the session over; the next plan unmounts "
                    + "and mounts"
            )
        }
        // The new client runs the spec's flags (juicectl started it with them); its process title is no proof of
        // that: juicefs rewrites it, and cuts it short on long command lines.
        guard after.pid != before.pid else {
            throw StepError("juicefs mount did not hand the session to a new client (pid \(before.pid) still serves it)")
        }
        try recordMountPath(spec, pid: after.pid)
        return .done("client pid \(before.pid) handed the session to pid \(after.pid); open files stayed open")
    }

    /// Unmounts (gracefully: refused while files are open) and mounts again.
    func remount(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("\(spec.mount.path) is no longer mounted and answering; the next plan mounts it")
        }
        try await unmountAll(spec.mount.path, spec: spec, force: false)
        try await juicefs.mount(spec)
        let live = try await verifyMounted(spec)
        try recordMountPath(spec, pid: live.pid)
        return .done("unmounted and mounted again at \(spec.mount.path) (pid \(live.pid))")
    }

    /// Detaches a mount that does not answer (lazily: a dead FUSE connection cannot be unmounted otherwise), removes
    /// what the dead juicefs processes left in /tmp, and mounts again.
    func recoverStaleMount(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        switch await observer.mountState(spec) {
        case .live(let live):
            return .skipped("the mount answers again (pid \(live.pid))")
        case .foreign(let fstype, let source):
            throw StepError("\(spec.mount.path) now holds \(fstype) \(source)")
        case .unresponsive(let reason, let pid):
            throw StepError(
                "the mount does not answer (\(reason)) but its juicefs client (pid \(pid)) runs; not detaching a live client's mount")
        case .absent, .stale:
            break
        }
        var detached = 0
        while observer.mountEntries().contains(where: { $0.mountPoint == spec.mount.path && $0.source == "JuiceFS:\(spec.name)" }) {
            guard detached < 8 else { throw StepError("\(spec.mount.path) still shows mounts after \(detached) lazy unmounts") }
            let result = try await runner.run(Command(tools.umount, ["-l", spec.mount.path], timeout: .seconds(30)))
            guard result.succeeded else {
                throw StepError("umount -l \(spec.mount.path) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            detached += 1
        }
        let cleaned = removeDeadJuiceFSLeftovers()
        try await juicefs.mount(spec)
        let live = try await verifyMounted(spec)
        try recordMountPath(spec, pid: live.pid)
        return .done(
            "detached \(detached) dead mount(s)\(cleaned > 0 ? ", removed \(cleaned) leftover file(s) of dead juicefs processes" : ""), "
                + "mounted again (pid \(live.pid))"
        )
    }

    /// Unmounts the volume from `path`: gracefully first; when that fails because files are open and
    /// `forceAllowed`, detaches it lazily and says which processes still hold it.
    func unmount(_ path: String, spec: VolumeSpec, forceAllowed: Bool) async throws -> ActionResult.Outcome {
        let source = "JuiceFS:\(spec.name)"
        guard observer.mountEntries().contains(where: { $0.mountPoint == path && $0.source == source }) else {
            try forgetMountPath(path, spec: spec)
            return .skipped("\(path) is not mounted")
        }
        let note = try await unmountAll(path, spec: spec, force: forceAllowed)
        try forgetMountPath(path, spec: spec)
        return .done(note)
    }

    /// Unmounts every mount of the volume stacked at `path`, newest first, and waits for its processes to exit.
    @discardableResult
    func unmountAll(_ path: String, spec: VolumeSpec, force: Bool) async throws -> String {
        let source = "JuiceFS:\(spec.name)"
        var notes: [String] = []
        var rounds = 0
        while observer.mountEntries().contains(where: { $0.mountPoint == path && $0.source == source }) {
            rounds += 1
            guard rounds <= 8 else { throw StepError("\(path) still shows mounts after \(rounds - 1) unmounts") }
            var probeSpec = spec
            probeSpec.mount.path = path
            let state = await observer.mountState(probeSpec)
            let pids: [Int32] = state.live.map { [$0.pid, $0.supervisorPID] } ?? []
            if case .stale = state {
                let result = try await runner.run(Command(tools.umount, ["-l", path], timeout: .seconds(30)))
                guard result.succeeded else { throw StepError("umount -l \(path) failed: \(result.stderr)") }
                notes.append("detached a dead mount")
                continue
            }
            let graceful = try await juicefs.umount(path, force: false)
            if graceful.succeeded {
                await waitForExit(pids)
                notes.append("unmounted \(path)")
                continue
            }
            let users = host.processesUsing(path)
            let reason = JuiceFSOutput.errorMessage(graceful.stderr)
            guard force else {
                throw StepError(
                    "cannot unmount \(path): \(reason)"
                        + (users.isEmpty ? "" : "; processes using it: \(users.map(String.init).joined(separator: ", "))")
                        + ". Close them and run apply again; juicectl does not force an unmount for an option change")
            }
            // The client keeps serving the open files (and writing the metadata) after the lazy detach: remember
            // it and its mount's id, so that stop-backup waits for it and can say how many files it still serves.
            if let live = state.live, let entry = observer.mountEntries().last(where: { $0.mountPoint == path && $0.source == source }) {
                try StateStore(stateDir: spec.stateDir, host: host).update { state in
                    state.detachedClient = .init(pid: live.pid, mountID: entry.id, detached: clock.date())
                }
            }
            let forced = try await juicefs.umount(path, force: true)
            guard forced.succeeded else {
                throw StepError("cannot unmount \(path) even with --force: \(JuiceFSOutput.errorMessage(forced.stderr))")
            }
            notes.append(
                "graceful unmount failed (\(reason)); detached \(path) lazily"
                    + (users.isEmpty
                        ? ""
                        : ": processes \(users.map(String.init).joined(separator: ", ")) still hold files, and juicefs exits when they "
                            + "close them")
            )
        }
        return notes.isEmpty ? "nothing mounted at \(path)" : notes.joined(separator: "; ")
    }

    /// Polls until the volume answers at its mount point, or fails after a deadline.
    func verifyMounted(_ spec: VolumeSpec) async throws -> LiveMount {
        let deadline = clock.now() + .seconds(15)
        var last = MountState.absent
        while clock.now() < deadline {
            last = await observer.mountState(spec)
            if let live = last.live { return live }
            try await clock.sleep(.milliseconds(100))
        }
        throw StepError("juicefs mount returned, but \(spec.mount.path) does not answer (\(last)); see \(spec.mountLogFile)")
    }

    func waitForExit(_ pids: [Int32]) async {
        let deadline = clock.now() + .seconds(10)
        while clock.now() < deadline, pids.contains(where: host.isAlive) {
            try? await clock.sleep(.milliseconds(50))
        }
    }

    /// Removes `/tmp/fuse_fd_comm.<pid>` and `/tmp/state<pid>.json*` of juicefs supervisors that no longer run.
    func removeDeadJuiceFSLeftovers() -> Int {
        var removed = 0
        for name in host.contentsOfDirectory("/tmp") ?? [] {
            var digits = ""
            if name.hasPrefix("fuse_fd_comm.") {
                digits = String(name.dropFirst("fuse_fd_comm.".count))
            } else if name.hasPrefix("state"), let dot = name.firstIndex(of: "."), name[dot...].hasPrefix(".json") {
                digits = String(name[name.index(name.startIndex, offsetBy: 5)..<dot])
            }
            guard let pid = Int32(digits), !host.isAlive(pid) else { continue }
            // /tmp is anyone's: only a regular file owned by root is removed, never a directory or a link.
            if host.removeRootOwnedFile(named: name, in: "/tmp") { removed += 1 }
        }
        return removed
    }

    /// Records the mount point, and the client juicectl started there with the arguments it was given: the
    /// observer reads that client's flags from here, because the process title juicefs rewrites can be cut short.
    func recordMountPath(_ spec: VolumeSpec, pid: Int32) throws {
        try StateStore(stateDir: spec.stateDir, host: host).update { state in
            if !state.mountPaths.contains(spec.mount.path) { state.mountPaths.append(spec.mount.path) }
            state.mountClient = .init(pid: pid, arguments: MountCommand.arguments(for: spec))
        }
    }

    func forgetMountPath(_ path: String, spec: VolumeSpec) throws {
        guard host.fileExists(spec.stateDir) else { return }
        try StateStore(stateDir: spec.stateDir, host: host).update { state in state.mountPaths.removeAll { $0 == path } }
    }
}
