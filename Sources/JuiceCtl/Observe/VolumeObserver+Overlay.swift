internal import Foundation
internal import JuiceCtlCore

/// The overlay's parts: its ext4 image, the image's loop device and mount, and the overlay mount.
extension VolumeObserver {
    /// The overlay's parts, when the spec has an overlay or juicectl's state remembers one.
    func observeOverlay(
        _ spec: VolumeSpec, state: VolumeState, entries: [MountInfoEntry], live: Bool,
        recorder: inout ProbeRecorder
    ) async -> OverlayObservation? {
        let desired = spec.overlay
        guard desired != nil || state.overlayTarget != nil || state.overlayUpperMount != nil else { return nil }
        let loops = recorder.measure("loop devices") { host.loopDevices() }
        func point(_ path: String?) -> OverlayObservation.MountPoint {
            guard let path, let top = entries.last(where: { $0.mountPoint == path }) else { return .absent }
            if top.fstype == "overlay" { return .overlay(options: top.superOptions) }
            if top.source.hasPrefix("/dev/loop") {
                return .image(device: top.source, backingFile: loops.first { $0.device == top.source }?.backingFile ?? "?")
            }
            return .other(fstype: top.fstype, source: top.source)
        }
        var imageExists: Bool?
        var imageInode: UInt64?
        if live {
            let image = HostPath.join(spec.mount.path, VolumeSpec.OverlaySettings.imagePath)
            imageInode = await recorder.measure("stat overlay image") {
                if case .found(let inode, _) = await host.stat(image, deadline: probeDeadline) { return inode }
                return nil
            }
            imageExists = imageInode != nil
        }
        let mountedDevices = Set(entries.map(\.source))
        let strays = loops.filter { HostPath.isWithin($0.backingFile, spec.mount.path) && !mountedDevices.contains($0.device) }.map(
            \.device)
        let corruption = state.overlayCorruption.map { OverlayObservation.Corruption(reason: $0.reason, movedTo: $0.movedTo) }
        let upperPoint = desired?.upperMount ?? state.overlayUpperMount
        let upperDevice = entries.last { $0.mountPoint == upperPoint }?.source
        var observation = OverlayObservation(
            imageExists: imageExists,
            upper: point(desired?.upperMount ?? state.overlayUpperMount),
            overlay: point(desired?.target ?? state.overlayTarget),
            strayLoopDevices: strays,
            frozenByCrash: host.fileExists(spec.frozenMarkerFile),
            missingLowerDirs: (desired?.lowerDirs ?? []).filter { !host.fileExists($0) },
            corruption: corruption,
            recordedTarget: state.overlayTarget,
            recordedUpperMount: state.overlayUpperMount)
        observation.imageInode = imageInode
        observation.upperBackingInode = loops.first { $0.device == upperDevice }?.backingInode
        observation.upperMountOptions = entries.last { $0.mountPoint == upperPoint }?.mountOptions
        observation.overlayMountOptions = entries.last { $0.mountPoint == desired?.target ?? state.overlayTarget }?.mountOptions
        return observation
    }
}
