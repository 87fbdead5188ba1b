internal import Foundation
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

extension Executor {
    /// The volume's ownership protocol, its steps marked as fault points (`ownership.after-read`, `-after-write`,
    /// `-after-settle`, `-after-release`) for the crash tests.
    func ownershipClaim(_ spec: VolumeSpec, releasing: Bool = false) async throws -> OwnershipClaim {
        guard var claim = try await ownership(spec) else {
            throw StepError("volume \(spec.name) is not owned by one host at a time (its metadata and replica stay on this host)")
        }
        claim.progress = { step in
            switch step {
            case .read: FaultPoint.reach("ownership.after-read")
            case .wrote: FaultPoint.reach(releasing ? "ownership.after-release" : "ownership.after-write")
            case .settled: FaultPoint.reach("ownership.after-settle")
            case .restarted, .readBack: break
            }
        }
        return claim
    }

    /// Makes this host the volume's owner: a claim that another host owning it, or winning a race, refuses.
    func claimOwnership(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let claim = try await ownershipClaim(spec)
        switch try await claim.claim() {
        case .claimed(let record):
            return .done("this host owns volume \(spec.name) now (generation \(record.generation), recorded at \(claim.store.location))")
        case .alreadyOwned(let record):
            return .skipped("this host owns volume \(spec.name) already (generation \(record.generation))")
        case .ownedElsewhere(let record, _):
            throw StepError(
                "volume \(spec.name) is owned by \(record.summary); nothing was started. "
                    + "Run juicectl down on that host, or juicectl takeover if it is gone")
        case .lostRace(let record):
            throw StepError(
                "another host claimed volume \(spec.name) at the same moment"
                    + (record.map { " (\($0.summary))" } ?? "") + "; nothing was started")
        }
    }

    /// Marks the volume released, when this host owns it, so that another host may own it.
    func releaseOwnership(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let claim = try await ownershipClaim(spec, releasing: true)
        switch try await claim.release() {
        case .released(let record):
            return .done("released volume \(spec.name) (generation \(record.generation)): another host may own it now")
        case .notOwner(let record):
            return .skipped("this host does not own volume \(spec.name)" + (record.map { " (the record says: \($0.summary))" } ?? ""))
        }
    }

    /// Takes the volume over from an owner the operator says is gone: a claim over any owner, with a new
    /// generation. The old owner is fenced at its next pass.
    func takeOverOwnership(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let claim = try await ownershipClaim(spec)
        let before = try? await claim.store.read()
        switch try await claim.takeover() {
        case .claimed(let record):
            let from = before.map { $0.state == .owned && $0.instance != claim.identity.instance ? " from \($0.summary)" : "" } ?? ""
            return .done(
                "took volume \(spec.name) over\(from): this host owns it (generation \(record.generation)); "
                    + "the old owner is fenced when it comes back. Run juicectl apply to start it here")
        case .alreadyOwned(let record):
            return .skipped("this host owns volume \(spec.name) already (generation \(record.generation))")
        case .ownedElsewhere(let record, _), .lostRace(let record?):
            throw StepError("another host claimed volume \(spec.name) during the takeover (\(record.summary)); nothing was changed")
        case .lostRace(nil):
            throw StepError("the ownership record vanished during the takeover; run juicectl takeover again")
        }
    }

    /// Another host owns the volume: stops this host's Litestream and juicefs client at once (SIGKILL: no final
    /// sync, no upload of staged blocks) and detaches the mounts lazily, so that nothing more is written from here.
    func fenceVolume(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        var notes: [String] = []
        let litestream = LitestreamFiles.processes(spec, host: host)
        for pid in litestream { _ = host.signal(pid, SIGKILL) }
        if !litestream.isEmpty {
            // Killed, not stopped: its local state no longer describes the replica.
            try? host.removeLocalItem(spec.litestreamCleanStopFile)
            notes.append("killed Litestream (pid \(litestream.map(String.init).joined(separator: ", ")))")
        }
        var clients: [Int32] = []
        if case .live(let mount) = await observer.mountState(spec) { clients += [mount.pid, mount.supervisorPID] }
        let flag = "--log=\(spec.mountLogFile)"
        clients += host.processes().filter { $0.value.contains(flag) }.map(\.key)
        let unique = Array(Set(clients)).sorted().filter(host.isAlive)
        for pid in unique { _ = host.signal(pid, SIGKILL) }
        if !unique.isEmpty { notes.append("killed the juicefs client (pid \(unique.map(String.init).joined(separator: ", ")))") }
        await waitForExit(litestream + unique)
        // The mounts stacked on the volume first (the overlay, its image), then the volume: only this host's own mount
        // points (another base directory on the same machine may mount the same volume name, and is not fenced).
        var detached: [String] = []
        let source = "JuiceFS:\(spec.name)"
        let volumePaths = Set([spec.mount.path] + StateStore(stateDir: spec.stateDir, host: host).load().mountPaths)
        let stacked = Set([spec.overlay?.target, spec.overlay?.upperMount].compactMap { $0 })
        for entry in observer.mountEntries().reversed()
        where (entry.source == source && volumePaths.contains(entry.mountPoint)) || stacked.contains(entry.mountPoint) {
            let result = try await runner.run(Command(tools.umount, ["-l", entry.mountPoint], timeout: .seconds(30)))
            if result.succeeded { detached.append(entry.mountPoint) }
        }
        if !detached.isEmpty { notes.append("detached \(detached.joined(separator: ", "))") }
        return .done(
            "fenced: " + (notes.isEmpty ? "nothing ran here" : notes.joined(separator: "; ")) + "; nothing more is written from this host")
    }

    /// Moves the local metadata database (and Litestream's state of it) aside, kept, and restores the replica's:
    /// another host owned the volume since this one did, so the replica is newer.
    func refreshMetadata(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard let database = spec.metadata.sqlitePath else { throw StepError("the spec has no SQLite metadata") }
        guard observer.mountEntries().allSatisfy({ $0.source != "JuiceFS:\(spec.name)" }),
            LitestreamFiles.processes(spec, host: host).isEmpty
        else {
            throw StepError("the volume runs on this host; its metadata is not replaced under a running client")
        }
        let aside = "\(spec.stateDir)/stale-metadata-\(CheckpointName.timestamp(clock.date()))"
        try host.createLocalDirectory(aside, mode: 0o700)
        let name = (database as NSString).lastPathComponent
        var moved: [String] = []
        for suffix in ["", "-wal", "-shm"] where host.fileExists(database + suffix) {
            try host.moveLocalItem(database + suffix, to: "\(aside)/\(name)\(suffix)")
            moved.append(name + suffix)
        }
        let sidecar = LitestreamFiles.sidecar(of: database)
        if host.fileExists(sidecar) {
            try host.moveLocalItem(sidecar, to: "\(aside)/\((sidecar as NSString).lastPathComponent)")
        }
        try? host.removeLocalItem(spec.litestreamCleanStopFile)
        let restored = try await restoreMetadata(spec)
        guard case .done(let text) = restored else {
            throw StepError("the replica could not be restored after \(database) was moved to \(aside): \(restored)")
        }
        return .done("moved \(moved.joined(separator: ", ")) to \(aside) (kept); \(text)")
    }
}
