internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Gives the volume root, or one of juicectl's directories on it, owner root and the mode it keeps
    /// (``VolumeLayout/directoryMode(_:)``), through a descriptor opened without following a link. Re-checks first: a
    /// directory that became unsafe since the plan is refused, not changed.
    func secureDirectory(_ volumePath: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("the volume is not mounted and answering at \(spec.mount.path)")
        }
        guard let mode = VolumeLayout.directoryMode(volumePath) else {
            throw StepError("\(volumePath) is not one of juicectl's directories on the volume; nothing changed")
        }
        let guarded = volumePath == "/" ? [] : [volumePath]
        guard let guards = await host.guardedEntries(guarded, below: spec.mount.path, deadline: .seconds(10)) else {
            throw StepError("cannot read the volume root \(spec.mount.path) within 10 s")
        }
        if let entry = guards.unsafe.first {
            throw VolumeCallFailure(operation: "securing \(volumePath)", result: .unsafe(entry))
        }
        let before = volumePath == "/" ? guards.root : guards.entries[volumePath]
        guard let before else { return .skipped("\(volumePath) does not exist") }
        if before.uid == 0, before.mode == mode { return .skipped("\(volumePath) is already \(String(mode, radix: 8)), owned by root") }
        let result = await host.secureVolumeDirectory(volumePath, mode: UInt16(mode), below: spec.mount.path, deadline: .seconds(10))
        guard case .done = result else { throw VolumeCallFailure(operation: "securing \(volumePath)", result: result) }
        return .done(
            """
            \(volumePath) is now \(String(mode, radix: 8)), owned by root (was \
            \(String(before.mode, radix: 8))\(before.uid == 0 ? "" : ", uid \(before.uid)"))
            """
        )
    }
}
