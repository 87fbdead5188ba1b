internal import Foundation
internal import JuiceCtlCore

extension Reconciler {
    /// After a converged run, every declared quota counts as juicectl's, so that removing it from the spec later
    /// removes it from the volume.
    func markDeclaredQuotasManaged(_ spec: VolumeSpec) throws {
        let store = StateStore(stateDir: spec.stateDir, host: host)
        try store.update { state in
            for quota in spec.quotas where state.quotas[quota.path] == nil {
                state.quotas[quota.path] = .init(capacity: quota.capacity?.bytes, inodes: quota.inodes, setAt: .distantPast)
            }
        }
    }
}
