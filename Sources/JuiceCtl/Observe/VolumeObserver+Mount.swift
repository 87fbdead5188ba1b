internal import Foundation
internal import JuiceCtlCore

/// The mount at the spec's mount point: mountinfo, a deadline-bounded `stat` of its root, the mount's `.config`, the
/// client's command line and `statfs`; and what a mount that does not answer properly is (stale or unresponsive).
extension VolumeObserver {
    /// The parsed mount table (empty when it cannot be read).
    func mountEntries() -> [MountInfoEntry] {
        (try? host.mountInfo()).map(MountInfoParser.parse) ?? []
    }

    /// The format settings the live mount reports, if it is live.
    func formatInfo(_ spec: VolumeSpec) async -> FormatInfo? {
        await mountState(spec).live?.format
    }

    /// The state of the spec's mount point alone: what executors re-check before they act.
    func mountState(_ spec: VolumeSpec) async -> MountState {
        var recorder = ProbeRecorder(clock: clock)
        let recorded = StateStore(stateDir: spec.stateDir, host: host).load().mountClient
        return await mountState(spec, entries: mountEntries(), recorded: recorded, recorder: &recorder).0
    }

    /// The state of the spec's mount point among `entries`, with the live mount's `.config`; `recorded`: the client
    /// juicectl started for this mount (from the state file the caller read).
    func mountState(
        _ spec: VolumeSpec, entries: [MountInfoEntry], recorded: VolumeState.MountClientRecord?,
        recorder: inout ProbeRecorder
    ) async -> (MountState, JuiceFSOutput.MountConfig?) {
        let atMountPoint = entries.filter { $0.mountPoint == spec.mount.path }
        guard let top = atMountPoint.last else { return (.absent, nil) }
        guard top.fstype == "fuse.juicefs", top.source == "JuiceFS:\(spec.name)" else {
            return (.foreign(fstype: top.fstype, source: top.source), nil)
        }
        return await observeMount(spec, entries: atMountPoint, recorded: recorded, recorder: &recorder)
    }

    private func observeMount(
        _ spec: VolumeSpec, entries: [MountInfoEntry], recorded: VolumeState.MountClientRecord?,
        recorder: inout ProbeRecorder
    ) async -> (MountState, JuiceFSOutput.MountConfig?) {
        let path = spec.mount.path
        let stacked = entries.filter { $0.fstype == "fuse.juicefs" && $0.source == "JuiceFS:\(spec.name)" }.count
        let status = await recorder.measure("stat \(path)") { await host.stat(path, deadline: probeDeadline) }
        switch status {
        case .timedOut:
            return (
                verdict(
                    .noAnswer("no answer within \(probeDeadline.milliseconds) ms"), spec: spec, entries: stacked, recorded: recorded,
                    recorder: &recorder), nil
            )
        case .failed(let code, let message):
            return (
                verdict(
                    MountFault.failed(errno: code, "\(message) (errno \(code))"), spec: spec, entries: stacked, recorded: recorded,
                    recorder: &recorder), nil
            )
        case .found(let inode, _) where inode != 1:
            return (
                verdict(
                    .wrongAnswer("the mount root has inode \(inode), not 1"), spec: spec, entries: stacked, recorded: recorded,
                    recorder: &recorder), nil
            )
        case .found:
            break
        }
        // The root's attributes may come from the kernel's cache (attr-cache); the `.config` read reaches the client.
        let answer = await recorder.measure("read \(path)/.config") {
            await host.readFileAnswer("\(path)/.config", deadline: probeDeadline)
        }
        let config: JuiceFSOutput.MountConfig
        switch answer {
        case .timedOut:
            return (
                verdict(
                    .noAnswer("reading .config: no answer within \(probeDeadline.milliseconds) ms"), spec: spec, entries: stacked,
                    recorded: recorded, recorder: &recorder), nil
            )
        case .failed(let code, let message):
            return (
                verdict(
                    MountFault.failed(errno: code, "the mount's .config cannot be read: \(message) (errno \(code))"), spec: spec,
                    entries: stacked, recorded: recorded, recorder: &recorder), nil
            )
        case .contents(let data):
            guard let parsed = try? JuiceFSOutput.MountConfig.parse(data) else {
                return (
                    verdict(
                        .wrongAnswer("the mount's .config cannot be decoded"), spec: spec, entries: stacked, recorded: recorded,
                        recorder: &recorder), nil
                )
            }
            config = parsed
        }
        guard config.format.name == spec.name else {
            return (.foreign(fstype: "fuse.juicefs", source: "JuiceFS:\(config.format.name)"), nil)
        }
        // The client juicectl started, with the arguments it was given; any other from its process title, which
        // juicefs rewrites (and cuts short on long command lines).
        let commandLine = recorder.measure("read /proc/\(config.pid)/cmdline") {
            recorded?.pid == config.pid
                ? recorded.map { ["juicefs"] + $0.arguments } : host.commandLine(of: config.pid) ?? host.commandLine(of: config.ppid)
        }
        let supervisorAlive = host.isAlive(config.ppid)
        let usage = await recorder.measure("statfs \(path)") { await host.statfs(path, deadline: probeDeadline) }.map {
            LiveMount.Usage(
                usedBytes: ($0.blocks - $0.freeBlocks) * $0.blockSize, totalBytes: $0.totalBytes,
                usedInodes: $0.files - $0.freeFiles, totalInodes: $0.files)
        }
        var live = LiveMount(
            format: config.format.formatInfo, pid: config.pid, supervisorPID: config.ppid,
            supervisorAlive: supervisorAlive, arguments: commandLine.map { MountCommand.liveWords(Array($0.dropFirst())) },
            stackedEntries: stacked, usage: usage)
        live.mountOptions = entries.last?.mountOptions
        live.superOptions = entries.last?.superOptions
        return (.live(live), config)
    }

    /// Whether a mount that did not answer properly is stale (detached and mounted again) or unresponsive (left
    /// alone): a connection the kernel reports gone is stale; anything else is stale only when no juicefs client of
    /// the volume runs, because detaching a live client's mount breaks every open file.
    ///
    /// The client named is the one juicectl started (`recorded`, the FUSE-serving process) while it runs, any
    /// other juicefs mount process of the volume otherwise.
    private func verdict(
        _ fault: MountFault, spec: VolumeSpec, entries: Int, recorded: VolumeState.MountClientRecord?,
        recorder: inout ProbeRecorder
    ) -> MountState {
        if case .failed(let code, let reason) = fault, MountFault.connectionGone(code) {
            return .stale(reason: reason, entries: entries)
        }
        let client = recorder.measure("juicefs client of \(spec.mount.path)") { () -> Int32? in
            if let pid = recorded?.pid, host.isAlive(pid), host.commandLine(of: pid)?.contains("--log=\(spec.mountLogFile)") == true {
                return pid
            }
            return mountClientPID(spec)
        }
        if let pid = client {
            return .unresponsive(reason: fault.reason, pid: pid)
        }
        return .stale(reason: fault.reason, entries: entries)
    }

    /// Mounts of this volume at other paths that juicectl made (`recorded`, from its state file), still in the mount
    /// table: what a moved mount point leaves behind.
    static func formerMountPaths(_ spec: VolumeSpec, recorded: [String], entries: [MountInfoEntry]) -> [String] {
        let source = "JuiceFS:\(spec.name)"
        return recorded.filter { path in
            path != spec.mount.path && entries.contains { $0.mountPoint == path && $0.source == source }
        }
    }

    /// A running juicefs mount process of this volume, found by the `--log=` flag juicectl gives every mount (juicefs
    /// rewrites its process title, but keeps the flags before the metadata URL).
    func mountClientPID(_ spec: VolumeSpec) -> Int32? {
        let flag = "--log=\(spec.mountLogFile)"
        return host.processes().filter { $0.value.contains(flag) && host.isAlive($0.key) }.keys.sorted().first
    }
}
