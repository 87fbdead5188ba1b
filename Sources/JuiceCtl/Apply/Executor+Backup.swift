internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Restores the metadata database from the replica, only while the database is missing or holds no volume (an
    /// empty file is moved aside first: litestream never restores over a file).
    func restoreMetadata(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard let backup = spec.backup, let database = spec.metadata.sqlitePath else { throw StepError("the spec has no backup") }
        _ = try litestream.binary()
        let observation = await observer.observe(spec)
        switch observation.metadata {
        case .formatted(let info): return .skipped("the metadata database holds volume \(info.name) already")
        case .unreadable(let message): throw StepError("cannot read the metadata database: \(message)")
        case .missing, .unformatted: break
        }
        if let reason = observation.backup?.replicaUnreadable {
            throw StepError("the replica \(backup.replica.display) cannot be listed: \(reason)")
        }
        guard observation.backup?.replicaExists == true else {
            throw StepError("the replica \(backup.replica.display) holds nothing to restore")
        }
        try prepareHostDirectories(spec)
        var note = ""
        // A -wal or -shm left without its database goes too: SQLite would replay a stale WAL onto the restored file.
        let present = ["", "-wal", "-shm"].filter { host.fileExists(database + $0) }
        if !present.isEmpty {
            let aside = "\(spec.stateDir)/empty-metadata-\(CheckpointName.timestamp(clock.date()))"
            try host.createLocalDirectory(aside, mode: 0o700)
            for suffix in present {
                try host.moveLocalItem(database + suffix, to: "\(aside)/\((database as NSString).lastPathComponent)\(suffix)")
            }
            note = "; the empty database file\(present == [""] ? " was" : "s were") moved to \(aside)"
        }
        try writeLitestreamConfig(spec)
        // The database is replaced: Litestream's local state no longer describes it.
        try? host.removeLocalItem(spec.litestreamCleanStopFile)
        let result = try await litestream.run(
            ["restore", "-config", spec.litestreamConfigFile, "-if-replica-exists", "-o", database, database],
            backup: backup, timeout: .seconds(3600))
        guard result.succeeded, host.fileExists(database) else {
            throw StepError("litestream restore failed: \(LitestreamClient.lastLine(result.stderr))")
        }
        return .done("restored \(database) from \(backup.replica.display) in \(result.duration.milliseconds) ms\(note)")
    }

    /// Writes the configuration and starts `litestream replicate` detached, with its pid recorded. A Litestream
    /// already replicating this volume is adopted, never doubled: one database has one writer of its replica.
    func startBackup(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard let text = LitestreamConfig.text(for: spec), let backup = spec.backup else { throw StepError("the spec has no backup") }
        let replicate = try litestream.command(["replicate", "-config", spec.litestreamConfigFile], backup: backup, timeout: .seconds(30))
        if let pid = LitestreamFiles.processes(spec, host: host).first {
            if let record = LitestreamFiles.pidRecord(spec, host: host), record.pid == pid {
                return .skipped("Litestream already runs (pid \(pid))")
            }
            try recordLitestream(pid: pid, digest: "adopted", spec: spec)
            return .done(
                "adopted the Litestream already replicating this volume (pid \(pid)); the next plan restarts it with juicectl's "
                    + "configuration"
            )
        }
        try prepareHostDirectories(spec)
        try writeLitestreamConfig(spec)
        try? host.removeLocalItem(spec.litestreamSocket)
        // Litestream's local state is only trustworthy after a clean stop. After a crash (or a restore of the
        // database) the database may have moved on without it, and litestream 0.5 then ships an incremental file
        // on top of a stale position: the replica restores to a torn database (measured: a kill -9 during writes,
        // then a restart, lost files). A forced full snapshot first makes the replica whole again.
        var note = ""
        if let database = spec.metadata.sqlitePath, host.fileExists(LitestreamFiles.sidecar(of: database)),
            !host.fileExists(spec.litestreamCleanStopFile)
        {
            let snapshot = try await litestream.run(
                ["replicate", "-config", spec.litestreamConfigFile, "-once", "-force-snapshot"],
                backup: backup, timeout: .seconds(3600))
            guard snapshot.succeeded else {
                throw StepError(
                    "litestream could not take a fresh snapshot before "
                        + "starting: \(LitestreamClient.lastLine(snapshot.stderr + snapshot.stdout))"
                )
            }
            try? host.removeLocalItem(spec.litestreamSocket)
            note = "; took a full snapshot first, because Litestream had not been stopped cleanly"
        }
        try? host.removeLocalItem(spec.litestreamCleanStopFile)
        // The shell starts litestream in the background with its output in the log and prints its pid; the runner
        // gave it a session of its own, so it outlives juicectl.
        let script = "\"$0\" replicate -config \"$1\" >>\"$2\" 2>&1 </dev/null & echo $!"
        // The shell passes its environment on: the replica's keys and what Litestream needs of juicectl's, nothing else.
        let result = try await runner.run(
            Command(
                "/bin/sh", ["-c", script, replicate.executable, spec.litestreamConfigFile, spec.litestreamLogFile],
                environment: replicate.environment, unsetEnvironment: replicate.unsetEnvironment,
                inherits: replicate.inherits, timeout: .seconds(30)))
        guard result.succeeded, let pid = Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw StepError("starting litestream failed: \(LitestreamClient.lastLine(result.stderr))")
        }
        try recordLitestream(pid: pid, digest: LitestreamConfig.digest(text), spec: spec)
        // Ready when its control socket exists; a process that died meanwhile left its reason in the log.
        let deadline = clock.now() + .seconds(10)
        while clock.now() < deadline {
            if host.fileExists(spec.litestreamSocket) {
                return .done("started Litestream (pid \(pid)) replicating to \(backup.replica.display)\(note)")
            }
            guard host.isAlive(pid) else { break }
            try await clock.sleep(.milliseconds(50))
        }
        let log = host.readLocalFile(spec.litestreamLogFile).map { LitestreamClient.lastLine(String(decoding: $0, as: UTF8.self)) } ?? ""
        throw StepError("Litestream (pid \(pid)) did not come up: \(log); see \(spec.litestreamLogFile)")
    }

    /// Stops Litestream and starts it with the spec's configuration.
    func restartBackup(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let stopped = try await stopBackup(spec)
        let started = try await startBackup(spec)
        let words = [stopped, started].compactMap { outcome -> String? in
            if case .done(let text) = outcome { return text }
            return nil
        }
        return .done(words.joined(separator: "; "))
    }

    /// Syncs the replica one last time and stops Litestream (SIGTERM; it syncs again while shutting down), then
    /// reports the replica's position.
    func stopBackup(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        var pids = LitestreamFiles.processes(spec, host: host)
        if let record = LitestreamFiles.pidRecord(spec, host: host), host.isAlive(record.pid), !pids.contains(record.pid),
            host.commandLine(of: record.pid)?.contains(spec.litestreamConfigFile) == true
        {
            pids.append(record.pid)
        }
        guard !pids.isEmpty else {
            try? host.removeLocalItem(spec.litestreamPidFile)
            return .skipped("Litestream is not running")
        }
        try await waitForDetachedClient(spec)
        var notes: [String] = []
        if let database = spec.metadata.sqlitePath, host.fileExists(spec.litestreamSocket), let binary = try? litestream.binary() {
            let sync = try await runner.run(
                Command(
                    binary, ["sync", "-wait", "-timeout", "30", "-socket", spec.litestreamSocket, database],
                    timeout: .seconds(45)))
            notes.append(
                sync.succeeded
                    ? "final sync done"
                    : "final sync failed (\(LitestreamClient.lastLine(sync.stderr + sync.stdout))); Litestream syncs again while stopping")
        }
        for pid in pids { _ = host.signal(pid, SIGTERM) }
        let deadline = clock.now() + backupStopTimeout
        while clock.now() < deadline, pids.contains(where: host.isAlive) {
            try await clock.sleep(.milliseconds(50))
        }
        var clean = true
        for pid in pids where host.isAlive(pid) {
            _ = host.signal(pid, SIGKILL)
            clean = false
            notes.append(
                "pid \(pid) did not stop within \(String(format: "%g", Double(backupStopTimeout.milliseconds) / 1000)) s and was killed")
        }
        try? host.removeLocalItem(spec.litestreamPidFile)
        if clean { try? host.writeLocalFile(spec.litestreamCleanStopFile, Data(), mode: 0o600) }
        if let replica = spec.backup?.replicaPath, let newest = LitestreamFiles.newest(in: replica, host: host) {
            notes.append("the replica ends at transaction \(newest.txid)")
        }
        return .done(
            "stopped Litestream (pid \(pids.map(String.init).joined(separator: ", ")))"
                + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
    }

    /// With no mount of the volume left, a juicefs client that `down` detached lazily may still serve open files
    /// and write the metadata database: Litestream must outlive it. Waits up to ``detachedClientWait`` for it to
    /// exit.
    ///
    /// - Throws: while it still runs (Litestream is left replicating; the next `down` completes the stop).
    func waitForDetachedClient(_ spec: VolumeSpec) async throws {
        let store = StateStore(stateDir: spec.stateDir, host: host)
        guard let detached = store.load().detachedClient else { return }
        let source = "JuiceFS:\(spec.name)"
        guard !observer.mountEntries().contains(where: { $0.source == source }) else { return }
        func serving() -> Bool {
            host.isAlive(detached.pid) && (host.commandLine(of: detached.pid)?.joined(separator: " ").contains("juicefs") ?? false)
        }
        let deadline = clock.now() + detachedClientWait
        while serving(), clock.now() < deadline {
            try await clock.sleep(.milliseconds(100))
        }
        guard !serving() else {
            let files = host.openFiles(onMount: detached.mountID)
            throw StepError(
                "detached; juicefs pid \(detached.pid) still serves \(files) open file\(files == 1 ? "" : "s"); Litestream keeps "
                    + "replicating until it exits. Close them (or stop the processes holding them), then run juicectl down again to "
                    + "finish: final sync, stop, release"
            )
        }
        try store.update { $0.detachedClient = nil }
    }

    // MARK: Helpers

    func writeLitestreamConfig(_ spec: VolumeSpec) throws {
        guard let text = LitestreamConfig.text(for: spec) else { return }
        try host.createLocalDirectory(spec.stateDir, mode: 0o700)
        try host.writeLocalFile(spec.litestreamConfigFile, Data(text.utf8), mode: 0o600)
    }

    func recordLitestream(pid: Int32, digest: String, spec: VolumeSpec) throws {
        let record = LitestreamPidRecord(pid: pid, configDigest: digest, started: clock.date())
        try host.writeLocalFile(spec.litestreamPidFile, try CheckpointJSON.encoder.encode(record), mode: 0o600)
    }
}
