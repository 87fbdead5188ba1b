internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Uploads what the writeback client staged on this host and waits, up to ``flushTimeout``, until nothing is
    /// left: a new client started with no upload delay takes the FUSE session over (open files stay open) and uploads
    /// the staged blocks at once; `juicefs umount --flush` would wait out the upload delay instead (measured: an
    /// hour's delay kept it waiting).
    ///
    /// The client that takes over stages into the cache directory the running one used (so a pending change of
    /// `mount.cacheDir` finds nothing left in the old one).
    ///
    /// - Throws: when the blocks are not all uploaded in time (the volume stays mounted and its client keeps
    ///   uploading), or when the mount cannot say what it stages.
    func flushStaging(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live(let live) = await observer.mountState(spec) else {
            return .skipped("\(spec.mount.path) is not mounted: nothing can be staged by its client")
        }
        let cacheDir = VolumeObserver.runningCacheDir(spec, recorded: StateStore(stateDir: spec.stateDir, host: host).load().mountClient)
        guard let first = await observer.staging(mountPath: spec.mount.path, uuid: live.format.uuid, cacheDir: cacheDir) else {
            throw StepError(
                "the mount at \(spec.mount.path) does not say what it has staged (\(spec.mount.path)/.stats); not unmounting blocks "
                    + "that may exist only here"
            )
        }
        guard !first.isEmpty else { return .skipped("nothing is staged in \(cacheDir)") }
        let start = clock.now()
        let label = "flush staging of \(spec.name)"
        var handedOver = ""
        let (left, handover) = try await progress.measure(label, clock: clock) { () async throws -> (StagingObservation, Int32?) in
            var uploadingClient: Int32?
            if runningUploadDelay(spec) != .zero {
                var draining = spec
                draining.mount.cacheDir = cacheDir
                draining.mount.uploadDelay = .zero
                draining.mount.writeback = true
                try await juicefs.mount(draining)
                let after = try await verifyMounted(spec)
                try recordMountPath(draining, pid: after.pid)
                uploadingClient = after.pid
            }
            var current = first
            while !current.isEmpty, clock.now() - start < flushTimeout {
                progress.update(label, detail: "\(current.summary) left")
                try await clock.sleep(.milliseconds(250))
                guard let next = await observer.staging(mountPath: spec.mount.path, uuid: live.format.uuid, cacheDir: cacheDir) else {
                    continue
                }
                current = next
            }
            return (current, uploadingClient)
        }
        if let handover { handedOver = "; client pid \(live.pid) handed the session to pid \(handover), which uploads without delay" }
        guard left.isEmpty else {
            throw StepError(
                "\(left.summary) are still staged in \(cacheDir) after the flush timeout of \(flushTimeout.shortText) "
                    + "(of \(first.summary)); the object storage does not take them (see \(spec.mountLogFile)). The volume stays "
                    + "mounted\(handedOver) and keeps uploading: run juicectl down again once the storage answers, or raise "
                    + "--flush-timeout"
            )
        }
        return .done("uploaded \(first.summary) staged in \(cacheDir) in \((clock.now() - start).milliseconds) ms\(handedOver)")
    }

    /// The upload delay the running client was started with (juicectl's record of its arguments, else the spec's).
    func runningUploadDelay(_ spec: VolumeSpec) -> TimeSpan {
        guard let recorded = StateStore(stateDir: spec.stateDir, host: host).load().mountClient else { return spec.mount.uploadDelay }
        guard let text = MountCommand.parse(recorded.arguments).flags["upload-delay"] else { return .zero }
        return TimeSpan.parse(text) ?? spec.mount.uploadDelay
    }
}
