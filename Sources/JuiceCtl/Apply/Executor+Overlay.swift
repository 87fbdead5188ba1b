internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// The overlay settings of `spec`. The planner plans overlay steps only for a spec that declares an overlay;
    /// a caller of ``Executor/execute(_:spec:)`` that pairs one with another spec gets a refusal.
    func overlaySettings(_ spec: VolumeSpec) throws -> VolumeSpec.OverlaySettings {
        guard let overlay = spec.overlay else { throw StepError("the spec has no overlay") }
        return overlay
    }

    /// The host path of the image.
    func imagePath(_ spec: VolumeSpec) -> String {
        HostPath.join(spec.mount.path, VolumeSpec.OverlaySettings.imagePath)
    }

    /// What is mounted at `path` (the top mount), if anything.
    func mounted(at path: String) -> MountInfoEntry? {
        observer.mountEntries().last { $0.mountPoint == path }
    }

    /// Whether the image of `/active` is loop-mounted at the overlay's upper mount point.
    func upperServesCurrentImage(_ spec: VolumeSpec) -> Bool {
        guard let overlay = spec.overlay, let entry = mounted(at: overlay.upperMount), entry.source.hasPrefix("/dev/loop") else {
            return false
        }
        return host.loopDevices().first { $0.device == entry.source }?.backingFile == imagePath(spec)
    }

    // MARK: Actions

    /// Thaws a filesystem juicectl froze and did not thaw; "not frozen" counts as done.
    func thawOverlay(_ path: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        // A filesystem that is not mounted cannot be frozen (after a reboot, say): only the marker is left.
        guard mounted(at: path) != nil else {
            try? host.removeLocalItem(spec.frozenMarkerFile)
            return .skipped("nothing is mounted at \(path), so nothing is frozen")
        }
        let result = try await runner.run(Command(tools.fsfreeze, ["--unfreeze", path], timeout: .seconds(30)))
        let notFrozen = result.stderr.contains("Invalid argument")
        guard result.succeeded || notFrozen else {
            throw StepError("fsfreeze --unfreeze \(path) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try? host.removeLocalItem(spec.frozenMarkerFile)
        return notFrozen ? .skipped("\(path) was not frozen") : .done("thawed \(path)")
    }

    /// Makes the sparse ext4 image: created and formatted in staging, then renamed into `/active` without ever
    /// replacing an existing image.
    func createOverlayImage(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let overlay = try overlaySettings(spec)
        let files = try await liveVolume(spec)
        if try await files.inode(VolumeSpec.OverlaySettings.imagePath) != nil {
            return .skipped("\(VolumeSpec.OverlaySettings.imagePath) already exists; an image is never recreated over an existing one")
        }
        try await refuseSymbolicLinks(in: imagePath(spec), spec: spec)
        try await files.makeDirectories(VolumeLayout.staging)
        let staging = "\(VolumeLayout.staging)/image-\(VolumeFiles.token()).img"
        // mkfs gets the file juicectl created and holds open, by its /proc name: a name swapped meanwhile cannot
        // make it format anything else.
        let image = try await host.createVolumeFile(staging, size: overlay.imageSize.bytes, below: spec.mount.path, deadline: .seconds(30))
            .get()
        let format = try await runner.run(
            Command(
                tools.mkfsExt4,
                [
                    "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1",
                    image.procPath,
                ], timeout: .seconds(600)))
        guard format.succeeded else {
            try? await files.remove(staging)
            throw StepError("mkfs.ext4 failed: \(format.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try await files.rename(staging, VolumeSpec.OverlaySettings.imagePath, mode: .noReplace)
        try StateStore(stateDir: spec.stateDir, host: host).update { state in
            if state.overlayCorruption?.movedTo != nil { state.overlayCorruption = nil }
        }
        return .done("made a sparse \(overlay.imageSize) ext4 image at \(VolumeSpec.OverlaySettings.imagePath)")
    }

    /// Moves an image that does not mount aside, into `checkpoints/.juicectl/quarantine/`, with a timestamp.
    func quarantineOverlayImage(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let files = try await liveVolume(spec)
        guard try await files.inode(VolumeSpec.OverlaySettings.imagePath) != nil else { return .skipped("there is no image to move") }
        if let overlay = spec.overlay, upperServesCurrentImage(spec) {
            throw StepError("the image is mounted at \(overlay.upperMount); it is not moved while in use")
        }
        let directory = VolumeLayout.quarantine
        try await files.makeDirectories(directory)
        let aside = "\(directory)/root-upper-\(CheckpointName.timestamp(clock.date())).img"
        try await files.rename(VolumeSpec.OverlaySettings.imagePath, aside, mode: .noReplace)
        try StateStore(stateDir: spec.stateDir, host: host).update { state in
            if state.overlayCorruption != nil { state.overlayCorruption?.movedTo = aside }
        }
        return .done("moved the image that does not mount to \(aside) (kept, not deleted)")
    }

    /// Loop-mounts the image at the upper mount point with `nosuid,nodev` (unless the spec allows them) and makes
    /// `upper/` and `work/` in it. A mount that fails with a filesystem error is recorded as corruption (the next
    /// plan moves the image aside). An image already mounted with other per-mount flags gets the spec's in place
    /// (`mount -o remount,bind`), which leaves open files and the overlay above it alone.
    func mountOverlayUpper(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let overlay = try overlaySettings(spec)
        _ = try await liveVolume(spec)
        let words = KernelMountOptions.imageWords(spec.mount)
        if upperServesCurrentImage(spec) {
            guard let entry = mounted(at: overlay.upperMount),
                !KernelMountOptions.drift(spec.mount, mountOptions: entry.mountOptions, superOptions: nil).isEmpty
            else {
                return .skipped("the image is already mounted at \(overlay.upperMount)")
            }
            let result = try await runner.run(
                Command(
                    tools.mount, ["-o", (["remount", "bind"] + words).joined(separator: ","), overlay.upperMount],
                    timeout: .seconds(60)))
            guard result.succeeded else {
                throw StepError(
                    "setting \(words.joined(separator: ",")) on the image's mount "
                        + "failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
                )
            }
            return .done("set \(words.joined(separator: ",")) on the image's mount at \(overlay.upperMount) in place")
        }
        if let entry = mounted(at: overlay.upperMount) {
            throw StepError("\(overlay.upperMount) holds \(entry.fstype) \(entry.source); not mounting on top of it")
        }
        // mount(8) follows links in both paths: a link planted on the volume must not put the image elsewhere.
        try await refuseSymbolicLinks(in: imagePath(spec), spec: spec)
        try await refuseSymbolicLinks(in: overlay.upperMount, spec: spec)
        try await makeHostDirectories(overlay.upperMount, spec: spec)
        // The loop device is attached to juicectl's own descriptor of the image (mount -o loop would resolve the
        // name again), and held open until the mount holds it; autoclear detaches it when the mount goes.
        let loop = try await host.attachLoopDevice(VolumeSpec.OverlaySettings.imagePath, below: spec.mount.path, deadline: .seconds(30))
            .get()
        let options = words.isEmpty ? [] : ["-o", words.joined(separator: ",")]
        let result = try await runner.run(
            Command(tools.mount, ["-t", "ext4"] + options + [loop.device, overlay.upperMount], timeout: .seconds(60)))
        withExtendedLifetime(loop) {}
        guard result.succeeded else {
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if Self.meansCorruption(message) {
                try StateStore(stateDir: spec.stateDir, host: host).update { state in
                    state.overlayCorruption = .init(reason: message, movedTo: nil, at: clock.date())
                }
                throw StepError("the overlay image does not mount (\(message)); it will be moved aside, never deleted")
            }
            throw StepError("mounting the overlay image failed: \(message)")
        }
        for directory in [overlay.upperDir, overlay.workDir] { try await makeHostDirectories(directory, spec: spec) }
        try StateStore(stateDir: spec.stateDir, host: host).update { state in
            state.overlayUpperMount = overlay.upperMount
            if state.overlayCorruption?.movedTo == nil { state.overlayCorruption = nil }
        }
        return .done("loop-mounted \(VolumeSpec.OverlaySettings.imagePath) at \(overlay.upperMount) (\(words.joined(separator: ",")))")
    }

    /// Mounts the overlay at its target.
    func mountOverlay(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let overlay = try overlaySettings(spec)
        guard upperServesCurrentImage(spec) else { throw StepError("the image is not mounted at \(overlay.upperMount)") }
        if let entry = mounted(at: overlay.target) {
            if entry.fstype == "overlay" { return .skipped("an overlay is already mounted at \(overlay.target)") }
            throw StepError("\(overlay.target) holds \(entry.fstype) \(entry.source); not mounting on top of it")
        }
        for lower in overlay.lowerDirs where !host.fileExists(lower) {
            throw StepError("lower directory \(lower) does not exist")
        }
        try await makeHostDirectories(overlay.target, spec: spec)
        let result = try await runner.run(
            Command(
                tools.mount, ["-t", "overlay", "overlay", "-o", overlay.overlayOptions, overlay.target],
                timeout: .seconds(60)))
        guard result.succeeded else {
            throw StepError("mounting the overlay failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try StateStore(stateDir: spec.stateDir, host: host).update { $0.overlayTarget = overlay.target }
        return .done("mounted the overlay at \(overlay.target)")
    }

    /// Unmounts the overlay at `target`: refused while busy, unless `force` (then detached lazily).
    func unmountOverlay(_ target: String, spec: VolumeSpec, force: Bool) async throws -> ActionResult.Outcome {
        guard let entry = mounted(at: target), entry.fstype == "overlay" else {
            try StateStore(stateDir: spec.stateDir, host: host).update { if $0.overlayTarget == target { $0.overlayTarget = nil } }
            return .skipped("no overlay is mounted at \(target)")
        }
        let note = try await unmountHostMount(target, force: force)
        try StateStore(stateDir: spec.stateDir, host: host).update { if $0.overlayTarget == target { $0.overlayTarget = nil } }
        return .done(note)
    }

    /// Unmounts the image at `path` (the loop device detaches with it).
    func unmountOverlayUpper(_ path: String, spec: VolumeSpec, force: Bool) async throws -> ActionResult.Outcome {
        guard let entry = mounted(at: path), entry.source.hasPrefix("/dev/loop") else {
            try StateStore(stateDir: spec.stateDir, host: host).update { if $0.overlayUpperMount == path { $0.overlayUpperMount = nil } }
            return .skipped("no image is mounted at \(path)")
        }
        if let overlay = spec.overlay, mounted(at: overlay.target)?.fstype == "overlay", overlay.upperMount == path {
            throw StepError("the overlay at \(overlay.target) still uses \(path); it comes down first")
        }
        let note = try await unmountHostMount(path, force: force)
        try StateStore(stateDir: spec.stateDir, host: host).update { if $0.overlayUpperMount == path { $0.overlayUpperMount = nil } }
        // A lazy unmount leaves the device until its last user goes; autoclear detaches it then.
        return .done(note + " (\(entry.source) detaches with it)")
    }

    /// Detaches a loop device nothing mounts.
    func detachLoopDevice(_ device: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard host.loopDevices().contains(where: { $0.device == device }) else { return .skipped("\(device) is not attached") }
        guard !observer.mountEntries().contains(where: { $0.source == device }) else {
            throw StepError("\(device) is mounted; not detaching it")
        }
        let result = try await runner.run(Command(tools.losetup, ["--detach", device], timeout: .seconds(30)))
        guard result.succeeded else {
            throw StepError("losetup --detach \(device) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return .done("detached \(device)")
    }

    // MARK: Freeze

    /// Runs `body` while the image's filesystem is frozen, and thaws it on every way out: success, error,
    /// cancellation. A marker file written before the freeze and removed after the thaw lets the next run thaw a
    /// filesystem this process could not. A freeze watchdog (``FreezeWatchdog``) thaws it at once if juicectl dies,
    /// and after ``overlayFreezeLimit`` if it hangs: `freezeGuard` is the one a quiesced checkpoint already holds,
    /// otherwise one is started here. Returns `body`'s value and how long the filesystem was frozen.
    func whileFrozen<T>(
        _ spec: VolumeSpec, freezeGuard: FreezeGuard? = nil, checkpoint: String = "overlay",
        _ body: () async throws -> T
    ) async throws -> (T, Duration) {
        let overlay = try overlaySettings(spec)
        let ownGuard =
            freezeGuard == nil
            ? try await startFreezeGuard(
                spec, checkpoint: checkpoint, cgroups: [], overlayUpperMount: overlay.upperMount,
                limit: Self.overlayFreezeLimit)
            : nil
        defer { ownGuard?.release(thawed: true) }
        try host.writeLocalFile(spec.frozenMarkerFile, Data(overlay.upperMount.utf8), mode: 0o600)
        let start = clock.now()
        let freeze = try await runner.run(Command(tools.fsfreeze, ["--freeze", overlay.upperMount], timeout: .seconds(60)))
        guard freeze.succeeded else {
            try? host.removeLocalItem(spec.frozenMarkerFile)
            throw StepError(
                "fsfreeze --freeze \(overlay.upperMount) failed: \(freeze.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        do {
            try FaultPoint.check("overlay.after-freeze")
            let value = try await body()
            // The watchdog removes the marker when it thaws: then the image was not frozen for the whole clone.
            guard host.fileExists(spec.frozenMarkerFile) else {
                throw StepError(
                    "the freeze watchdog thawed the overlay image's filesystem while it was being cloned (juicectl was held up past its "
                        + "limit); the checkpoint was not created"
                )
            }
            try await thaw(overlay.upperMount)
            let frozenFor = clock.now() - start
            try? host.removeLocalItem(spec.frozenMarkerFile)
            return (value, frozenFor)
        } catch {
            if (try? await thaw(overlay.upperMount)) != nil {
                try? host.removeLocalItem(spec.frozenMarkerFile)
            }
            throw error
        }
    }

    private func thaw(_ path: String) async throws {
        let result = try await runner.run(Command(tools.fsfreeze, ["--unfreeze", path], timeout: .seconds(60)))
        guard result.succeeded || result.stderr.contains("Invalid argument") else {
            throw StepError("fsfreeze --unfreeze \(path) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    // MARK: Restore support

    /// Takes the overlay and the image's mount down (gracefully: refused while the overlay is in use).
    func tearDownOverlay(_ spec: VolumeSpec) async throws {
        guard let overlay = spec.overlay else { return }
        if mounted(at: overlay.target)?.fstype == "overlay" {
            _ = try await unmountOverlay(overlay.target, spec: spec, force: false)
        }
        if mounted(at: overlay.upperMount)?.source.hasPrefix("/dev/loop") == true {
            _ = try await unmountOverlayUpper(overlay.upperMount, spec: spec, force: false)
        }
    }

    /// Brings the overlay up on the image of `/active`, making a fresh image when the tree has none.
    func bringUpOverlay(_ spec: VolumeSpec) async throws -> String {
        guard spec.overlay != nil else { return "" }
        var notes: [String] = []
        for step in [createOverlayImage, mountOverlayUpper, mountOverlay] {
            if case .done(let text) = try await step(spec) { notes.append(text) }
        }
        return notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")
    }

    // MARK: Helpers

    /// Unmounts a host mount: graceful `umount`; when busy and `force`, `umount --lazy`.
    func unmountHostMount(_ path: String, force: Bool) async throws -> String {
        let graceful = try await runner.run(Command(tools.umount, [path], timeout: .seconds(60)))
        if graceful.succeeded { return "unmounted \(path)" }
        let reason = graceful.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let users = host.processesUsing(path)
        let holders = users.isEmpty ? "" : "; processes using it: \(users.map(String.init).joined(separator: ", "))"
        guard force else { throw StepError("cannot unmount \(path): \(reason)\(holders)") }
        let lazy = try await runner.run(Command(tools.umount, ["--lazy", path], timeout: .seconds(60)))
        guard lazy.succeeded else {
            throw StepError("cannot unmount \(path) even lazily: \(lazy.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return "graceful unmount failed (\(reason)); detached \(path) lazily\(holders)"
    }

    /// Creates a host directory and its parents, with a deadline per level. Below the volume's mount point it goes
    /// through descriptors from the mount root (``VolumeFiles/makeDirectories(_:)``: `mkdirat` per component, no
    /// link followed), since anyone who writes to the volume could have planted a link on the way.
    func makeHostDirectories(_ path: String, spec: VolumeSpec) async throws {
        if path != spec.mount.path, HostPath.isWithin(path, spec.mount.path) {
            try await VolumeFiles(host: host, mountPath: spec.mount.path).makeDirectories(String(path.dropFirst(spec.mount.path.count)))
            return
        }
        for directory in HostPath.selfAndAncestors(path) {
            let code = await host.makeDirectory(directory, mode: 0o755, deadline: .seconds(10))
            guard code == 0 || code == EEXIST else {
                throw StepError("mkdir \(directory) failed: \(String(cString: strerror(code)))")
            }
        }
    }

    /// Whether mount's message means the filesystem in the image is damaged (rather than, say, a busy target).
    static func meansCorruption(_ message: String) -> Bool {
        ["superblock", "I/O error", "Structure needs cleaning", "wrong fs type", "bad magic"].contains { message.contains($0) }
    }
}
