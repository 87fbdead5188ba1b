internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Why no checkpoint of this volume can survive the loss of this host; `nil` when one can.
    static func durabilityImpossible(_ spec: VolumeSpec) -> String? {
        guard spec.metadata.sqlitePath != nil, spec.backup == nil else { return nil }
        return "its SQLite metadata is only on this host (the spec has no backup: add a Litestream replica)"
    }

    /// Makes what exists now survive the loss of this host: the blocks writeback staged are uploaded (through a
    /// client without upload delay, which then hands the session back to one with the spec's flags), and the replica
    /// is synced with the database (`litestream sync -wait`). Returns how long it took.
    func makeDurable(_ spec: VolumeSpec) async throws -> Duration {
        let start = clock.now()
        if spec.mount.writeback {
            let flushed = try await flushStaging(spec)
            if case .done = flushed, runningUploadDelay(spec) != spec.mount.uploadDelay {
                try await juicefs.mount(spec)
                let live = try await verifyMounted(spec)
                try recordMountPath(spec, pid: live.pid)
            }
        }
        if let database = spec.metadata.sqlitePath, spec.backup != nil {
            guard host.fileExists(spec.litestreamSocket), LitestreamFiles.pidRecord(spec, host: host).map({ host.isAlive($0.pid) }) == true
            else {
                throw StepError("Litestream does not run, so the replica cannot receive the checkpoint's metadata; run juicectl apply")
            }
            let binary = try litestream.binary()
            let sync = try await runner.run(
                Command(
                    binary, ["sync", "-wait", "-timeout", "120", "-socket", spec.litestreamSocket, database],
                    timeout: .seconds(150)))
            guard sync.succeeded else {
                throw StepError("litestream sync -wait failed: \(LitestreamClient.lastLine(sync.stderr + sync.stdout))")
            }
        }
        return clock.now() - start
    }
}
