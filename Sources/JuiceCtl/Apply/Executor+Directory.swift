internal import JuiceCtlCore
internal import Foundation

extension Executor {
    /// Creates one directory on the mounted volume (its parents are earlier actions), mode 0755.
    func createDirectory(_ volumePath: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("the volume is not mounted and answering at \(spec.mount.path)")
        }
        let path = HostPath.join(spec.mount.path, volumePath)
        let code = await host.makeDirectory(path, mode: 0o755, deadline: .seconds(10))
        switch code {
        case 0:
            return .done("created \(volumePath)")
        case EEXIST:
            if case .found(_, true) = await host.stat(path, deadline: .seconds(5)) {
                return .skipped("\(volumePath) already exists")
            }
            throw StepError("\(volumePath) exists but is not a directory; move it away (juicectl never deletes user files)")
        case ETIMEDOUT:
            throw StepError("mkdir \(volumePath) did not answer within 10 s: the mount may be hung")
        default:
            throw StepError("mkdir \(volumePath) failed: \(String(cString: strerror(code)))")
        }
    }
}
