/// Litestream runs for every volume with a backup, from before the first write (the mount) on.
extension PlanBuilder {
    mutating func planBackup() {
        guard let observed = observation.backup else { return }
        let target = spec.metadata.sqlitePath ?? spec.name
        guard spec.backup != nil, let text = LitestreamConfig.text(for: spec) else {
            if case .running(let pid, _) = observed.process {
                actions.append(
                    Action(
                        .stopBackup, .delete, target: target,
                        reason: "the spec disables backup: sync once more and stop Litestream (pid \(pid))"))
            }
            return
        }
        switch observed.process {
        case .stopped:
            let why =
                formatsVolume
                ? "new volume: replication starts before the first write"
                : restoresMetadata
                    ? "the restored database is replicated again before the mount writes to it"
                    : "Litestream is not running: nothing replicates the metadata"
            actions.append(Action(.startBackup, .create, target: target, reason: why))
        case .running(let pid, let digest):
            if !observed.configCurrent || digest != LitestreamConfig.digest(text) {
                actions.append(
                    Action(
                        .restartBackup, .update, target: target,
                        reason: "Litestream (pid \(pid)) runs another configuration than the spec's: write it and restart"))
            }
        }
    }
}
