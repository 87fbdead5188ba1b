internal import Foundation
public import JuiceCtlCore

/// Reads the host and the volume into a ``VolumeObservation``, cheapest sources first.
///
/// A converged, mounted volume is observed without running `juicefs` at all: mountinfo, a deadline-bounded
/// `stat` of the mount point, the mount's `.config`, `/proc/<pid>/cmdline` and `statfs` answer everything.
/// `juicefs status` is asked only when the volume is not mounted (and its SQLite file exists: juicefs would create
/// it otherwise), `juicefs quota` only when `statfs` disagrees with the spec or the volume is not mounted.
/// Observation runs for real also in dry-run: only mutations are simulated.
public struct VolumeObserver: Sendable {
    let host: any HostProbing
    /// The juicefs wrapper the observer reads with.
    let juicefs: JuiceFSClient
    /// Lists a replica that is not on this host; `nil`: such a replica is never listed.
    let litestream: LitestreamClient?
    /// Deadline of each probe that touches the FUSE mount.
    public var probeDeadline: Duration
    /// Builds a volume's ownership protocol (reads its record); `nil`: ownership is never read.
    public var ownership: OwnershipFactory?

    /// Creates an observer.
    public init(host: any HostProbing, juicefs: JuiceFSClient, litestream: LitestreamClient? = nil, probeDeadline: Duration = .seconds(2)) {
        self.host = host
        self.juicefs = juicefs
        self.litestream = litestream
        self.probeDeadline = probeDeadline
    }

    /// Observes the volume `spec` describes.
    ///
    /// - Parameters:
    ///   - fullCatalog: read every checkpoint's manifest even when the spec declares no schedule or retention (for
    ///     `checkpoint list` and checkpoint commands).
    ///   - sessions: list the engine's client sessions (other hosts' mounts) also when the volume is mounted here,
    ///     which costs one `juicefs status` (for `plan`).
    ///   - replicaPosition: list an S3 replica also when the metadata is there, which costs one `litestream ltx`
    ///     against the store (for `status` and `run`; a file replica is always read, from its directory).
    ///   - ownership: when to read the ownership record of a volume another host could pick up.
    public func observe(
        _ spec: VolumeSpec, fullCatalog: Bool = false, sessions: Bool = false,
        replicaPosition: Bool = false, ownership check: OwnershipCheck = .whenStarting
    ) async -> VolumeObservation {
        var recorder = ProbeRecorder()
        let state = recorder.measure("state file") { StateStore(stateDir: spec.stateDir).load() }

        // Mount point.
        let entries = recorder.measure("mountinfo") { mountEntries() }
        let source = "JuiceFS:\(spec.name)"
        let (mount, mountConfig) = await mountState(spec, entries: entries, recorded: state.mountClient, recorder: &recorder)

        // Metadata and storage.
        let metadata: MetadataState
        var clientSessions: [ClientSession]?
        if let live = mount.live {
            metadata = .formatted(live.format)
        } else if let sqlitePath = spec.metadata.sqlitePath, !recorder.measure("stat \(sqlitePath)", { host.fileExists(sqlitePath) }) {
            metadata = .missing
        } else {
            metadata = await recorder.measure("juicefs status") {
                do {
                    switch try await juicefs.status(spec.metadata) {
                    case .formatted(let status):
                        clientSessions = status.clientSessions
                        return MetadataState.formatted(status.setting.formatInfo)
                    case .notFormatted: return MetadataState.unformatted
                    }
                } catch {
                    return MetadataState.unreadable("\(error)")
                }
            }
        }
        let storage = recorder.measure("object storage") { observeStorage(spec) }

        let former = state.mountPaths.filter { path in
            path != spec.mount.path && entries.contains { $0.mountPoint == path && $0.source == source }
        }

        var observation = VolumeObservation(
            metadata: metadata, storage: storage, mount: mount, formerMountPaths: former,
            managedQuotaPaths: state.quotas.keys.sorted())
        observation.overlay = await observeOverlay(spec, state: state, entries: entries, live: mount.live != nil, recorder: &recorder)
        observation.backup = recorder.measure("litestream") { observeBackup(spec) }
        observation.quiesce = recorder.measure("cgroups") { observeQuiesce(spec) }
        // Only a live mount counts as running here: a stale one is about to be started again, so the record is read.
        observation.ownership = await recorder.measure("ownership record") {
            await observeOwnership(spec, check: check, runsHere: mount.live != nil)
        }
        if var backup = observation.backup, let settings = spec.backup, case .s3 = settings.replica {
            let needed = replicaPosition || metadata == .missing || metadata == .unformatted
            await recorder.measure("litestream ltx") { await observeRemoteReplica(settings, into: &backup, listed: needed) }
            observation.backup = backup
        }
        if case .holdsVolume = storage, metadata == .missing || metadata == .unformatted {
            observation.interruptedFormat = recorder.measure("format intent") { isInterruptedFormat(spec) }
        }
        if let live = mount.live {
            let (directories, unanswered) = await observeDirectories(spec, recorder: &recorder)
            observation.directories = directories
            if let unanswered {
                // The root answered from the kernel's cache, the tree does not: the client runs but waits for its
                // metadata engine or object storage. Nothing more is probed, and nothing is planned on guesses.
                observation.mount = .unresponsive(
                    reason: "stat \(unanswered): no answer within \(probeDeadline.milliseconds) ms", pid: live.pid)
                observation.sessions = nil
                observation.probes = recorder.records
                return observation
            }
            observation.guards = await recorder.measure("volume guards") { await observeGuards(spec) }
            let full = fullCatalog || spec.checkpoints.schedule != nil || spec.checkpoints.retain != nil
            // Nothing is read through an entry someone else could have planted: the plan names it instead.
            let catalogSafe = observation.guards.map { $0.unsafe.isEmpty } ?? false
            observation.catalog = catalogSafe ? await observeCatalog(spec, full: full, recorder: &recorder) : nil
            if let catalog = observation.catalog {
                let trees = Self.treesToAsk(spec, catalog: catalog, now: observation.now)
                if !trees.isEmpty {
                    observation.treeUsers = await recorder.measure("tree users") { await treeUsers(spec, trees: trees) }
                }
            }
            observation.staging = await recorder.measure("staging") { await observeStaging(spec, live: live, recorded: state.mountClient) }
            let heartbeat = Duration.nanoseconds(mountConfig?.meta?.heartbeat ?? 12_000_000_000)
            observation.quotas = await observeQuotasMounted(
                spec, state: state, directories: observation.directories,
                heartbeat: heartbeat, recorder: &recorder)
            _ = live
        } else if case .formatted = metadata {
            observation.quotas = await recorder.measure("juicefs quota list") { try? await juicefs.quotaList(spec.metadata) }
        }
        if sessions, clientSessions == nil, mount.live != nil {
            clientSessions = await recorder.measure("juicefs status (sessions)") {
                guard case .formatted(let status)? = try? await juicefs.status(spec.metadata) else { return nil }
                return status.clientSessions
            }
        }
        observation.sessions = clientSessions
        observation.restoreShortfall = state.restoreShortfall
        observation.probes = recorder.records
        return observation
    }

    // MARK: Mount

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
        var recorder = ProbeRecorder()
        let recorded = StateStore(stateDir: spec.stateDir).load().mountClient
        return await mountState(spec, entries: mountEntries(), recorded: recorded, recorder: &recorder).0
    }

    /// `recorded`: the client juicectl started for this mount (from the state file the caller read).
    private func mountState(
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

    /// A running juicefs mount process of this volume, found by the `--log=` flag juicectl gives every mount (juicefs
    /// rewrites its process title, but keeps the flags before the metadata URL).
    func mountClientPID(_ spec: VolumeSpec) -> Int32? {
        let flag = "--log=\(spec.mountLogFile)"
        return host.processes().filter { $0.value.contains(flag) && host.isAlive($0.key) }.keys.sorted().first
    }

    // MARK: Storage

    private func observeStorage(_ spec: VolumeSpec) -> StorageState {
        guard let uuidFile = spec.storage.uuidFilePath(volume: spec.name) else { return .remote(endpoint: spec.storage.displayEndpoint) }
        if host.fileExists(uuidFile) {
            guard let data = host.readLocalFile(uuidFile) else { return .unknown("cannot read \(uuidFile)") }
            return .holdsVolume(uuid: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let volumeDirectory = (uuidFile as NSString).deletingLastPathComponent
        if let contents = host.contentsOfDirectory(volumeDirectory), !contents.isEmpty {
            return .holdsVolume(uuid: "unknown (objects without juicefs_uuid)")
        }
        return .empty
    }

    /// Whether a format juicectl started was cut short: its intent record is there and the storage holds only
    /// what `juicefs format` writes before it touches the metadata.
    func isInterruptedFormat(_ spec: VolumeSpec) -> Bool {
        guard host.fileExists(spec.formatIntentFile), let uuidFile = spec.storage.uuidFilePath(volume: spec.name) else { return false }
        let volumeDirectory = (uuidFile as NSString).deletingLastPathComponent
        let entries = host.contentsOfDirectory(volumeDirectory) ?? []
        return entries.allSatisfy { name in
            if name == "juicefs_uuid" || (name.hasPrefix(".jfs.") && name.contains(".tmp.")) { return true }
            // The storage test object goes into `testing/`, which juicefs empties again.
            return name == "testing" && (host.contentsOfDirectory("\(volumeDirectory)/\(name)")?.isEmpty ?? false)
        }
    }

    // MARK: Directories

    /// The spec's directories on the volume; `unanswered` names the first one whose stat got no answer within the
    /// deadline (the probing stops there: the mount's client waits for its servers, and so would every probe).
    private func observeDirectories(_ spec: VolumeSpec, recorder: inout ProbeRecorder) async
        -> (states: [String: DirectoryState], unanswered: String?)
    {
        var result: [String: DirectoryState] = [:]
        for path in spec.requiredDirectories {
            let status = await recorder.measure("stat \(path)") {
                await host.stat(HostPath.join(spec.mount.path, path), deadline: probeDeadline)
            }
            switch status {
            case .found(_, let isDirectory): result[path] = isDirectory ? .directory : .notDirectory
            case .failed(let code, _) where code == ENOENT: result[path] = .missing
            case .failed: break
            case .timedOut: return (result, path)
            }
        }
        return (result, nil)
    }

    // MARK: Backup

    /// Litestream for this volume: the process (from juicectl's pid record, checked against `/proc`), whether the
    /// configuration on disk is current, and the positions of the database and the replica.
    func observeBackup(_ spec: VolumeSpec) -> BackupObservation? {
        let record = LitestreamFiles.pidRecord(spec, host: host)
        var process = BackupObservation.Process.stopped
        // The recorded process, if its pid was not reused: one juicectl started (with its configuration file) or
        // adopted (naming the database); an adopted one runs with digest "adopted", so the planner restarts it.
        if let record, host.isAlive(record.pid),
            let words = host.commandLine(of: record.pid),
            words.contains(spec.litestreamConfigFile) || LitestreamFiles.replicates(words, spec)
        {
            process = .running(pid: record.pid, configDigest: record.configDigest)
        }
        guard spec.backup != nil || process != .stopped else { return nil }
        let desired = LitestreamConfig.text(for: spec)
        let onDisk = host.readLocalFile(spec.litestreamConfigFile).map { String(decoding: $0, as: UTF8.self) }
        var observation = BackupObservation(process: process, configCurrent: desired != nil && onDisk == desired, replicaExists: false)
        if process != .stopped, let record { observation.runningSeconds = Date().timeIntervalSince(record.started) }
        if let replica = spec.backup?.replicaPath {
            observation.replicaExists = LitestreamFiles.holdsAnything(replica, host: host)
            if let newest = LitestreamFiles.newest(in: replica, host: host) {
                observation.replicaTXID = newest.txid
                observation.replicaAgeSeconds = host.modificationDate(newest.file).map { Date().timeIntervalSince($0) }
            }
        }
        if let database = spec.metadata.sqlitePath {
            observation.localTXID = LitestreamFiles.newest(in: LitestreamFiles.sidecar(of: database), host: host)?.txid
        }
        return observation
    }

    /// An S3 replica's position, from `litestream ltx` (when `listed`; otherwise it is marked as not read).
    func observeRemoteReplica(_ settings: VolumeSpec.BackupSettings, into backup: inout BackupObservation, listed: Bool) async {
        guard listed, let litestream else {
            backup.replicaListed = false
            return
        }
        do {
            let files = try await litestream.replicaFiles(settings)
            backup.replicaExists = !files.isEmpty
            if let newest = files.max(by: { $0.maxTXID < $1.maxTXID }) {
                backup.replicaTXID = newest.maxTXID
                backup.replicaAgeSeconds = files.compactMap(\.created).max().map { Date().timeIntervalSince($0) }
            }
        } catch {
            backup.replicaUnreadable = "\(error)"
        }
    }

    // MARK: Overlay

    /// The overlay's parts, when the spec has an overlay or juicectl's state remembers one.
    func observeOverlay(
        _ spec: VolumeSpec, state: VolumeState, entries: [MountInfoEntry], live: Bool,
        recorder: inout ProbeRecorder
    ) async -> OverlayObservation? {
        let desired = spec.overlay
        guard desired != nil || state.overlayTarget != nil || state.overlayUpperMount != nil else { return nil }
        let loops = recorder.measure("loop devices") { host.loopDevices() }
        func point(_ path: String?) -> OverlayObservation.MountPoint {
            guard let path, let top = entries.last(where: { $0.mountPoint == path }) else { return .absent }
            if top.fstype == "overlay" { return .overlay(options: top.superOptions) }
            if top.source.hasPrefix("/dev/loop") {
                return .image(device: top.source, backingFile: loops.first { $0.device == top.source }?.backingFile ?? "?")
            }
            return .other(fstype: top.fstype, source: top.source)
        }
        var imageExists: Bool?
        var imageInode: UInt64?
        if live {
            let image = HostPath.join(spec.mount.path, VolumeSpec.OverlaySettings.imagePath)
            imageInode = await recorder.measure("stat overlay image") {
                if case .found(let inode, _) = await host.stat(image, deadline: probeDeadline) { return inode }
                return nil
            }
            imageExists = imageInode != nil
        }
        let mountedDevices = Set(entries.map(\.source))
        let strays = loops.filter { HostPath.isWithin($0.backingFile, spec.mount.path) && !mountedDevices.contains($0.device) }.map(
            \.device)
        let corruption = state.overlayCorruption.map { OverlayObservation.Corruption(reason: $0.reason, movedTo: $0.movedTo) }
        let upperPoint = desired?.upperMount ?? state.overlayUpperMount
        let upperDevice = entries.last { $0.mountPoint == upperPoint }?.source
        var observation = OverlayObservation(
            imageExists: imageExists,
            upper: point(desired?.upperMount ?? state.overlayUpperMount),
            overlay: point(desired?.target ?? state.overlayTarget),
            strayLoopDevices: strays,
            frozenByCrash: host.fileExists(spec.frozenMarkerFile),
            missingLowerDirs: (desired?.lowerDirs ?? []).filter { !host.fileExists($0) },
            corruption: corruption,
            recordedTarget: state.overlayTarget,
            recordedUpperMount: state.overlayUpperMount)
        observation.imageInode = imageInode
        observation.upperBackingInode = loops.first { $0.device == upperDevice }?.backingInode
        observation.upperMountOptions = entries.last { $0.mountPoint == upperPoint }?.mountOptions
        observation.overlayMountOptions = entries.last { $0.mountPoint == desired?.target ?? state.overlayTarget }?.mountOptions
        return observation
    }

    // MARK: Checkpoints

    /// Reads the checkpoint bookkeeping. The cheap parts always (a journal, leftovers, the restore request's target);
    /// every manifest only when `full`.
    func observeCatalog(_ spec: VolumeSpec, full: Bool, recorder: inout ProbeRecorder) async -> CheckpointCatalog {
        let files = VolumeFiles(host: host, mountPath: spec.mount.path, deadline: probeDeadline)
        var catalog = CheckpointCatalog(entries: nil)
        var journalDamage: String?
        if let data = await recorder.measure("read restore journal", { await files.data(VolumeLayout.restoreJournal) }) {
            do {
                let journal = try CheckpointJSON.decoder.decode(RestoreJournal.self, from: data)
                catalog.restore = RestoreProgress(
                    journal: journal,
                    activeInode: try? await files.inode(VolumeLayout.active),
                    stagingInode: try? await files.inode(journal.stagingPath),
                    asideExists: ((try? await files.inode(VolumeLayout.checkpoint(journal.asideName))) ?? nil) != nil)
            } catch {
                journalDamage = data.isEmpty ? "the file is empty" : BookkeepingRecord.describe(error)
            }
        }
        var stagingNames: [String] = []
        for (directory, kind) in [(VolumeLayout.staging, Leftover.Kind.staging), (VolumeLayout.trash, .trash)] {
            let names =
                await recorder.measure("list \(directory)") { await host.listDirectory(files.path(directory), deadline: probeDeadline) }
                ?? []
            if kind == .staging { stagingNames = names }
            for name in names.sorted() where "\(directory)/\(name)" != catalog.restore?.journal.stagingPath && !name.hasPrefix(".") {
                catalog.leftovers.append(Leftover(path: "\(directory)/\(name)", kind: kind))
            }
        }
        if let journalDamage {
            let trees = await recorder.measure("trees of the damaged journal") {
                await BookkeepingRecord.restoreTrees(files: files, stagingNames: stagingNames)
            }
            catalog.damage.append(
                BookkeepingDamage(kind: .journalUndecodable, path: VolumeLayout.restoreJournal, detail: journalDamage, trees: trees))
        }
        // Read on every pass (one small file): a damaged lineage makes every checkpoint refuse, so it must show.
        switch await recorder.measure("read lineage", { await BookkeepingRecord.lineage(files: files) }) {
        case .found(let lineage): catalog.lineage = lineage
        case .damaged(let damage): catalog.damage.append(damage)
        }
        if let request = spec.restore {
            catalog.restoreTargetExists = await recorder.measure("stat checkpoint \(request.checkpoint)") {
                ((try? await files.inode(VolumeLayout.checkpoint(request.checkpoint))) ?? nil) != nil
            }
        }
        // Names are cheap (two directory listings) and reveal orphan manifests; the manifests' content is read only
        // when something needs it.
        let names =
            await recorder.measure("list checkpoints") {
                await host.listDirectory(files.path(VolumeLayout.checkpoints), deadline: probeDeadline)
            } ?? []
        let checkpoints = names.filter { CheckpointName.isValid($0) }.sorted()
        let manifestInodes =
            await recorder.measure("list manifests") {
                await host.listDirectoryInodes(files.path(VolumeLayout.manifests), deadline: probeDeadline)
            } ?? [:]
        let manifests = Array(manifestInodes.keys)
        let existing = Set(checkpoints)
        let journalAside = catalog.restore?.journal.asideName
        for file in manifests.sorted() where file.hasSuffix(".json") && !file.hasPrefix(".") {
            let name = String(file.dropLast(".json".count))
            if !existing.contains(name) && name != journalAside {
                catalog.leftovers.append(Leftover(path: VolumeLayout.manifest(name), kind: .orphanManifest))
            }
        }
        if full {
            // Manifests this host read before and whose files are unchanged come from its cache; the rest are read.
            let cache = recorder.measure("load manifest cache") { ManifestCache.load(spec, host: host) }
            var updated = ManifestCache()
            var changed = false
            catalog.entries = await recorder.measure("read \(checkpoints.count) manifests") {
                var entries: [CheckpointEntry] = []
                for name in checkpoints {
                    let file = "\(name).json"
                    var manifest: CheckpointManifest?
                    if let inode = manifestInodes[file] {
                        if let cached = cache.manifest(file, inode: inode) {
                            manifest = cached
                        } else if let data = await files.data(VolumeLayout.manifest(name)) {
                            manifest = try? CheckpointManifest.decode(data)
                            changed = true
                        }
                        if let manifest, let inode { updated.entries[file] = .init(inode: inode, manifest: manifest) }
                    }
                    entries.append(CheckpointEntry(name: name, manifest: manifest))
                }
                return entries
            }
            if changed || updated.entries.count != cache.entries.count {
                recorder.measure("save manifest cache") { updated.save(spec, host: host) }
            }
        }
        return catalog
    }

    // MARK: Quotas

    private func quotaGet(_ spec: VolumeSpec, _ path: String, recorder: inout ProbeRecorder) async -> QuotaReading? {
        await recorder.measure("juicefs quota get \(path)") { try? await juicefs.quotaGet(spec.metadata, path: path) }
    }

    private func observeQuotasMounted(
        _ spec: VolumeSpec, state: VolumeState, directories: [String: DirectoryState],
        heartbeat: Duration, recorder: inout ProbeRecorder
    ) async -> [String: QuotaReading]? {
        guard let root = await recorder.measure("statfs /", { await host.statfs(spec.mount.path, deadline: probeDeadline) }) else {
            return nil
        }
        var readings: [String: QuotaReading] = [:]
        let declared = Dictionary(spec.quotas.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let paths = spec.quotas.map(\.path) + state.quotas.keys.sorted().filter { declared[$0] == nil }
        let window = heartbeat * 3 + .seconds(5)
        for path in paths {
            let desired = declared[path]
            if directories[path] == .missing {
                readings[path] = .none(source: "stat")
                continue
            }
            // A quota juicectl set (and verified with `juicefs quota get`) moments ago reaches the mount only at its
            // next heartbeat, so statfs still shows the old limits: the record answers instead.
            if let record = state.quotas[path], Date().timeIntervalSince(record.setAt) < Double(window.milliseconds) / 1000 {
                if let desired, record.capacity == desired.capacity?.bytes, record.inodes == desired.inodes {
                    let age = Int(Date().timeIntervalSince(record.setAt))
                    readings[path] = QuotaReading(
                        capacity: record.capacity, inodes: record.inodes,
                        source: "juicectl state: set and verified \(age) s ago")
                } else {
                    guard let table = await quotaGet(spec, path, recorder: &recorder) else { return nil }
                    readings[path] = table
                }
                continue
            }
            let statfs = await recorder.measure("statfs \(path)") {
                await host.statfs(HostPath.join(spec.mount.path, path), deadline: probeDeadline)
            }
            if let statfs, QuotaStatfs.agrees(directory: statfs, root: root, desired: desired) {
                readings[path] = QuotaStatfs.reading(directory: statfs, root: root, desired: desired)
                continue
            }
            guard let table = await quotaGet(spec, path, recorder: &recorder) else { return nil }
            // The table rounds (`10 TiB`); where it agrees with the spec but statfs does not, statfs is exact to
            // a block for the limits the spec sets.
            if let desired, table.matches(desired), let statfs {
                readings[path] = QuotaStatfs.combined(directory: statfs, table: table, desired: desired)
            } else {
                readings[path] = table
            }
        }
        return readings
    }
}

/// How `statfs` on a directory with a JuiceFS quota reads: the quota is reported as the filesystem's size, and a
/// directory without a limit (nor an ancestor with one) reports the volume's free space and inodes.
enum QuotaStatfs {
    /// Whether the statfs figures show exactly the desired limits (or their absence).
    static func agrees(directory: FilesystemStats, root: FilesystemStats, desired: VolumeSpec.Quota?) -> Bool {
        let unlimitedSpace = directory.freeBlocks == root.freeBlocks
        let unlimitedInodes = directory.freeFiles == root.freeFiles
        let capacityAgrees: Bool
        if let capacity = desired?.capacity?.bytes {
            let total = directory.totalBytes
            capacityAgrees = !unlimitedSpace && (total > capacity ? total - capacity : capacity - total) < directory.blockSize
        } else {
            capacityAgrees = unlimitedSpace
        }
        let inodesAgree = desired?.inodes.map { !unlimitedInodes && directory.files == $0 } ?? unlimitedInodes
        return capacityAgrees && inodesAgree
    }

    /// The reading that statfs gives when it agrees.
    static func reading(directory: FilesystemStats, root: FilesystemStats, desired: VolumeSpec.Quota?) -> QuotaReading {
        QuotaReading(
            capacity: desired?.capacity.map { _ in directory.totalBytes }, inodes: desired?.inodes.map { _ in directory.files },
            capacityTolerance: directory.blockSize, source: "statfs")
    }

    /// statfs figures for the limits the spec sets, the table's for the ones it leaves open (statfs would show an
    /// ancestor's limit there).
    static func combined(directory: FilesystemStats, table: QuotaReading, desired: VolumeSpec.Quota) -> QuotaReading {
        QuotaReading(
            capacity: desired.capacity != nil ? directory.totalBytes : table.capacity,
            inodes: desired.inodes != nil ? directory.files : table.inodes,
            capacityTolerance: desired.capacity != nil ? directory.blockSize : table.capacityTolerance,
            source: "statfs, juicefs quota get")
    }
}

/// Times each probe and keeps the records for the observation.
struct ProbeRecorder {
    private(set) var records: [ProbeRecord] = []
    private let clock = ContinuousClock()

    mutating func measure<T>(_ source: String, _ body: () throws -> T) rethrows -> T {
        let start = clock.now
        let value = try body()
        records.append(ProbeRecord(source: source, microseconds: (clock.now - start).microseconds, ok: Self.ok(value)))
        return value
    }

    mutating func measure<T>(_ source: String, _ body: () async throws -> T) async rethrows -> T {
        let start = clock.now
        let value = try await body()
        records.append(ProbeRecord(source: source, microseconds: (clock.now - start).microseconds, ok: Self.ok(value)))
        return value
    }

    private static func ok<T>(_ value: T) -> Bool {
        if let optional = value as? (any OptionalProtocol) { return optional.hasValue }
        if let status = value as? PathStatus, case .timedOut = status { return false }
        if let metadata = value as? MetadataState, case .unreadable = metadata { return false }
        return true
    }
}

private protocol OptionalProtocol { var hasValue: Bool { get } }
extension Optional: OptionalProtocol { var hasValue: Bool { self != nil } }
