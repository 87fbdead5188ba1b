internal import Foundation
internal import JuiceCtlCore

extension VolumeObserver {
    /// The spec's quiesce cgroups (their freezer state) and the record of a freeze a checkpoint left behind; `nil`
    /// when the spec quiesces nothing and no freeze is recorded (no file is read then).
    func observeQuiesce(_ spec: VolumeSpec) -> QuiesceObservation? {
        let recorded = host.fileExists(spec.freezeRecordFile)
        guard spec.checkpoints.quiesce != nil || recorded else { return nil }
        let freezer = CgroupFreezer(host: host)
        var paths = spec.checkpoints.quiesce?.cgroups ?? []
        var observation = QuiesceObservation()
        if recorded {
            let record = host.readLocalFile(spec.freezeRecordFile).flatMap {
                try? CheckpointJSON.decoder.decode(FreezeRecord.self, from: $0)
            }
            // An unreadable record still means a checkpoint was cut short: it is dropped by the thaw step.
            let left = record?.cgroups.map(\.path) ?? []
            observation.leftFrozen = left
            observation.checkpointInProgress = record?.writerAlive(host: host) ?? false
            paths += left.filter { !paths.contains($0) }
        }
        observation.cgroups = paths.map { freezer.inspect($0).observation }
        return observation
    }
}
