package import JuiceCtlCore

extension Action.Payload {
    /// A payload of `kind` for tests that only care about the kind: where the kind carries data, a placeholder that
    /// names `target` (a 1 GiB quota on it, a checkpoint of that name, a staging leftover there, an empty lineage
    /// there); unmounts are not forced, remounts name no flag.
    package static func placeholder(_ kind: Action.Kind, target: String) -> Self {
        let samples: [Self] = [
            .remountInPlace(changedFlags: nil), .remount(changedFlags: nil), .unmount(forceAllowed: false),
            .setQuota(VolumeSpec.Quota(path: target, capacity: .gibibytes(1), inodes: nil)),
            .createCheckpoint(.init(name: target)), .deleteCheckpoint(.init(name: target)), .restore(.init(name: target)),
            .resumeRestore(.init(name: target)), .removeLeftover(Leftover(path: target, kind: .staging)),
            .repairBookkeeping(BookkeepingDamage(kind: .lineageEmpty, path: target, detail: "the file is empty")),
            .unmountOverlay(forceAllowed: false), .unmountOverlayUpper(forceAllowed: false),
        ]
        return Self(withoutData: kind) ?? samples.first { $0.kind == kind }!
    }
}
