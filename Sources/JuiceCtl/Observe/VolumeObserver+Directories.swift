internal import Foundation
internal import JuiceCtlCore

/// The spec's directories on the mounted volume.
extension VolumeObserver {
    /// The spec's directories on the volume; `unanswered` names the first one whose stat got no answer within the
    /// deadline (the probing stops there: the mount's client waits for its servers, and so would every probe).
    func observeDirectories(_ spec: VolumeSpec, recorder: inout ProbeRecorder) async
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
}
