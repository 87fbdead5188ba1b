internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Forgets the problems a restore left at `path` once the step they stand for succeeded (the quota is set there
    /// now); the record goes when none is left.
    func resolveRestoreShortfall(at path: String, spec: VolumeSpec) throws {
        let store = StateStore(stateDir: spec.stateDir, host: host)
        guard store.load().restoreShortfall?.problems.contains(where: { $0.path == path }) == true else { return }
        try store.update { state in
            guard var shortfall = state.restoreShortfall else { return }
            shortfall.problems.removeAll { $0.path == path && $0.reason != .replacedTreeQuotaKept }
            state.restoreShortfall = shortfall.problems.isEmpty ? nil : shortfall
        }
    }
}
