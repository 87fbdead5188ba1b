internal import JuiceCtlCore
internal import Logging

extension Reconciler {
    /// What a reconciler works with, built once: one runner, one juicefs and one Litestream client, one ownership
    /// factory, and one observer that the reconciler, its executor and its backup verification share.
    struct Parts: Sendable {
        /// Observes volumes, for the reconciler and inside the executor's steps.
        var observer: VolumeObserver
        /// Runs actions.
        var executor: Executor
        /// Checks a volume's replica (`backup verify`).
        var verifier: BackupVerifier
    }

    /// Builds the parts of a reconciler: programs run through `runner` (wrapped where fault injection acts, a pass
    /// through outside an action), the host is read through `host`; `ownership` replaces the live ownership stores;
    /// `clock` is the one clock of all of them.
    static func parts(
        host: any HostProbing, runner: any CommandRunning, tools: Tools, logger: Logger,
        progress: any OperationProgress, ownership: OwnershipFactory?, clock: HostClock
    ) -> Parts {
        let runner = ActionFault.wrapping(runner)
        let secrets = SecretResolver(host: host)
        let juicefs = JuiceFSClient(runner: runner, executable: tools.juicefs, secrets: secrets)
        let litestream = LitestreamClient(runner: runner, executable: tools.litestream, secrets: secrets)
        // The ownership stores run curl through the same runner; the observer reads the records through them too.
        let factory = ownership ?? Executor.ownershipFactory(runner: runner, tools: tools, host: host, clock: clock)
        var observer = VolumeObserver(host: host, juicefs: juicefs, litestream: litestream, clock: clock)
        observer.ownership = factory
        let executor = Executor(
            host: host, runner: runner, tools: tools, juicefs: juicefs, litestream: litestream, observer: observer,
            ownership: factory, logger: logger, progress: progress, clock: clock)
        return Parts(observer: observer, executor: executor, verifier: BackupVerifier(host: host, juicefs: juicefs, litestream: litestream))
    }
}
