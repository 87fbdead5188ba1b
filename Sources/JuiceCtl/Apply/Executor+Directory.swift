internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// Creates one directory on the mounted volume (its parents are earlier actions), mode 0755 (juicectl's bookkeeping
    /// 0700), with `mkdirat` in its parent's descriptor: a link swapped in on the way is not followed.
    func createDirectory(_ volumePath: String, spec: VolumeSpec) async throws -> ActionResult.Outcome {
        guard case .live = await observer.mountState(spec) else {
            throw StepError("the volume is not mounted and answering at \(spec.mount.path)")
        }
        let path = HostPath.join(spec.mount.path, volumePath)
        try await refuseSymbolicLinks(in: path, spec: spec)
        let mode = UInt16(VolumeLayout.directoryMode(volumePath) ?? 0o755)
        let code: Int32
        switch await host.makeVolumeDirectory(volumePath, mode: mode, below: spec.mount.path, deadline: .seconds(10)) {
        case .done: code = 0
        case .failed(let failure): code = failure
        case .unsafe(let entry): throw VolumeCallFailure(operation: "mkdir \(volumePath)", result: .unsafe(entry))
        }
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

    /// Refuses a path inside the volume that passes through a symbolic link: whoever can write to the volume (a
    /// container, another host) could point it anywhere on this host, and juicectl runs as root.
    func refuseSymbolicLinks(in path: String, spec: VolumeSpec) async throws {
        guard let link = await host.symbolicLink(in: path, below: spec.mount.path, deadline: .seconds(5)) else { return }
        let inside = String(link.dropFirst(spec.mount.path.count))
        throw StepError(
            """
            \(inside) on the volume is a symbolic link: juicectl does not follow links inside the volume, which could lead anywhere \
            on this host; replace it with a directory (nothing is changed until then)
            """
        )
    }
}
