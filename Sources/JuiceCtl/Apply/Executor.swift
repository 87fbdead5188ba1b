internal import Foundation
public import JuiceCtlCore
public import Logging

/// Executes planned actions one at a time. Each step re-checks its precondition on the host first (skipping when
/// it is already satisfied), acts, and verifies its effect. The executor makes no decision the planner did not
/// make: it only refuses to act when the host no longer matches what the action assumes.
public struct Executor: Sendable {
    let host: any HostProbing
    let runner: any CommandRunning
    let tools: Tools
    let juicefs: JuiceFSClient
    let litestream: LitestreamClient
    let observer: VolumeObserver
    let logger: Logger
    let progress: any OperationProgress
    /// The present, elapsed time and waits.
    let clock: HostClock
    /// How long stop-backup waits for Litestream to exit after SIGTERM before it sends SIGKILL.
    var backupStopTimeout: Duration = .seconds(30)
    /// How long flush-staging waits for the writeback staging to be uploaded (`down --flush-timeout`).
    public var flushTimeout: Duration = .seconds(600)
    /// How long stop-backup waits for a juicefs client that `down` detached (open files kept it alive) to exit.
    public var detachedClientWait: Duration = .seconds(5)
    /// How long a checkpoint, restore or retention step waits for another host holding the volume's shared lock.
    public var sharedLockTimeout: Duration = .seconds(900)

    /// Builds a volume's ownership protocol (the record's store, this host's identity and memory).
    let ownership: OwnershipFactory

    /// Creates an executor; `ownership` replaces the live ownership stores (tests), `clock` the real time. Its runner,
    /// clients and observer are built as a reconciler's are (``Reconciler/parts(host:runner:tools:logger:progress:ownership:clock:)``).
    public init(
        host: any HostProbing, runner: any CommandRunning, tools: Tools, logger: Logger,
        progress: any OperationProgress = SilentProgress(), ownership: OwnershipFactory? = nil, clock: HostClock = .system
    ) {
        self =
            Reconciler.parts(
                host: host, runner: runner, tools: tools, logger: logger, progress: progress, ownership: ownership, clock: clock
            ).executor
    }

    /// Creates an executor from its parts: `runner` is the one the clients run through, `observer` the one observer
    /// of the reconciler it works for.
    init(
        host: any HostProbing, runner: any CommandRunning, tools: Tools, juicefs: JuiceFSClient, litestream: LitestreamClient,
        observer: VolumeObserver, ownership: @escaping OwnershipFactory, logger: Logger, progress: any OperationProgress,
        clock: HostClock
    ) {
        self.host = host
        self.runner = runner
        self.tools = tools
        self.juicefs = juicefs
        self.litestream = litestream
        self.observer = observer
        self.ownership = ownership
        self.logger = logger
        self.progress = progress
        self.clock = clock
    }

    /// Runs `action` for the volume `spec` describes and reports how it ended.
    public func execute(_ action: Action, spec: VolumeSpec) async -> ActionResult {
        let start = clock.now()
        let outcome: ActionResult.Outcome
        let details: ActionResult.Details?
        do {
            let stepped = try await ActionFault.$current.withValue(action.kind) { try await step(action, spec: spec) }
            outcome = stepped.outcome
            details = stepped.details
        } catch {
            outcome = .failed(Self.describe(error))
            details = (error as? DetailedStepError)?.details
        }
        ActionFault.actionEnded(action.kind)
        let result = ActionResult(action: action, outcome: outcome, milliseconds: (clock.now() - start).milliseconds, details: details)
        logger.info(
            "action",
            metadata: [
                "volume": "\(spec.name)", "kind": "\(action.kind.rawValue)", "target": "\(action.target)",
                "outcome": "\(result.outcome)", "ms": "\(result.milliseconds)",
            ])
        return result
    }

    /// An error as an operator reads it. Foundation errors (state file, lock, moves) print as
    /// `Error Domain=... UserInfo={...}` on Linux, so they are shown by their localized description.
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        return text.hasPrefix("Error Domain=") ? error.localizedDescription : text
    }

    private func step(_ action: Action, spec: VolumeSpec) async throws -> StepResult {
        switch action.payload {
        case .format: StepResult(try await format(spec))
        case .mount: StepResult(try await mount(spec))
        case .remountInPlace: StepResult(try await remountInPlace(spec))
        case .remount: StepResult(try await remount(spec))
        case .recoverStaleMount: StepResult(try await recoverStaleMount(spec))
        case .unmount(let force): StepResult(try await unmount(action.target, spec: spec, forceAllowed: force))
        case .flushStaging: StepResult(try await flushStaging(spec))
        case .createDirectory: StepResult(try await createDirectory(action.target, spec: spec))
        case .secureDirectory: StepResult(try await secureDirectory(action.target, spec: spec))
        case .setQuota(let quota): StepResult(try await setQuota(quota, ifStillNeeded: action.conditional, spec: spec))
        case .removeQuota: StepResult(try await removeQuota(action.target, spec: spec))
        case .createCheckpoint(let request):
            try await withSharedLock(spec, operation: "checkpoint create") { try await createCheckpoint(request, spec: spec) }
        case .deleteCheckpoint(let request):
            try await withSharedLock(spec, operation: "checkpoint delete") { StepResult(try await deleteCheckpoint(request, spec: spec)) }
        case .restore(let request):
            try await withSharedLock(spec, operation: "restore") { try await restore(request, spec: spec) }
        case .resumeRestore:
            try await withSharedLock(spec, operation: "restore") { StepResult(try await resumeRestore(spec: spec)) }
        case .removeLeftover:
            try await withSharedLock(spec, operation: "remove leftover") { StepResult(try await removeLeftover(action.target, spec: spec)) }
        case .repairBookkeeping(let damage):
            try await withSharedLock(spec, operation: "repair bookkeeping") { StepResult(try await repairBookkeeping(damage, spec: spec)) }
        case .thawOverlay: StepResult(try await thawOverlay(action.target, spec: spec))
        case .thawCgroups: StepResult(try await thawLeftCgroups(spec))
        case .createOverlayImage: StepResult(try await createOverlayImage(spec))
        case .quarantineOverlayImage: StepResult(try await quarantineOverlayImage(spec))
        case .mountOverlayUpper: StepResult(try await mountOverlayUpper(spec))
        case .mountOverlay: StepResult(try await mountOverlay(spec))
        case .unmountOverlay(let force): StepResult(try await unmountOverlay(action.target, spec: spec, force: force))
        case .unmountOverlayUpper(let force): StepResult(try await unmountOverlayUpper(action.target, spec: spec, force: force))
        case .detachLoopDevice: StepResult(try await detachLoopDevice(action.target, spec: spec))
        case .restoreMetadata: StepResult(try await restoreMetadata(spec))
        case .startBackup: StepResult(try await startBackup(spec))
        case .restartBackup: StepResult(try await restartBackup(spec))
        case .stopBackup: StepResult(try await stopBackup(spec))
        case .claimOwnership: StepResult(try await claimOwnership(spec))
        case .releaseOwnership: StepResult(try await releaseOwnership(spec))
        case .fenceVolume: StepResult(try await fenceVolume(spec))
        case .refreshMetadata: StepResult(try await refreshMetadata(spec))
        }
    }

    /// The ownership protocols of volumes, over the live stores (curl for S3, files through `host`).
    static func ownershipFactory(runner: any CommandRunning, tools: Tools, host: any HostProbing, clock: HostClock) -> OwnershipFactory {
        { spec in try await OwnershipClaim.forVolume(spec, runner: runner, tools: tools, host: host, clock: clock) }
    }

    /// Creates the host directories a volume needs: base, objects, cache, logs, metadata parent, state.
    ///
    /// What juicectl creates is for root alone (0700): the cache and local objects hold the volume's data without
    /// its file permissions, the logs name its files. The log files are made 0600 before juicefs and litestream
    /// append to them (they would create them 0644). Directories that exist keep their mode.
    func prepareHostDirectories(_ spec: VolumeSpec) throws {
        var directories = [spec.baseDir, spec.mount.cacheDir, (spec.mountLogFile as NSString).deletingLastPathComponent]
        if case .local(let path) = spec.storage { directories.append(path) }
        if let sqlitePath = spec.metadata.sqlitePath { directories.append((sqlitePath as NSString).deletingLastPathComponent) }
        for directory in directories { try host.createLocalDirectory(directory, mode: 0o700) }
        try host.createLocalDirectory(spec.stateDir, mode: 0o700)
        for log in [spec.mountLogFile, spec.litestreamLogFile] where !host.fileExists(log) {
            // An empty file, created exclusively with mode 0600 (a race with another creator is harmless).
            try? host.createSparseFile(log, size: 0)
        }
    }
}
