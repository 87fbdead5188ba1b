/// The overlay, in dependency order: image → loop mount of the image → overlay; teardown in reverse.
extension PlanBuilder {
    /// Missing lower directories stop the whole plan: the spec cannot be applied, and nothing is changed.
    mutating func checkOverlayInputs() -> Bool {
        guard spec.overlay != nil, let missing = observation.overlay?.missingLowerDirs, !missing.isEmpty else { return true }
        conflicts.append(
            Conflict(
                code: .overlayLowerDirMissing, target: "overlay.lowerDirs",
                message:
                    "lower director\(missing.count == 1 ? "y" : "ies") \(missing.joined(separator: ", ")) of the overlay "
                    + "do\(missing.count == 1 ? "es" : "") not exist",
                hint: "create them or fix overlay.lowerDirs; nothing is changed until then", blocking: true))
        return false
    }

    /// A freeze juicectl did not undo (it was killed while the image was frozen) is thawed before anything else.
    mutating func planThaw() {
        guard let observed = observation.overlay else { return }
        if let thaw = Self.thawFrozenImage(spec, observed, for: .apply) { actions.append(thaw) }
    }

    /// The thaw of an image juicectl froze and did not thaw, when there is one.
    static func thawFrozenImage(_ spec: VolumeSpec, _ observed: OverlayObservation, for occasion: OverlayTeardown) -> Action? {
        guard observed.frozenByCrash else { return nil }
        let reason =
            switch occasion {
            case .apply:
                "juicectl froze the image's filesystem for a checkpoint and did not thaw it (it was stopped): "
                    + "writers through the overlay are blocked until it is thawed"
            case .down: "down: the image's filesystem is frozen; thaw it before unmounting"
            }
        return Action(.thawOverlay, .update, target: spec.overlay?.upperMount ?? observed.recordedUpperMount ?? "", reason: reason)
    }

    mutating func planOverlay() {
        guard let observed = observation.overlay else { return }
        guard let desired = spec.overlay else {
            planOverlayRemoval(observed)
            return
        }
        let image = HostPath.join(spec.mount.path, VolumeSpec.OverlaySettings.imagePath)

        // The image (unknown while the volume is not mounted: then created after the mount if missing).
        let imageKnown = observed.imageExists != nil || formatsVolume
        var imageExists = (observed.imageExists ?? false) && !formatsVolume
        if let corruption = observed.corruption {
            if corruption.movedTo == nil && imageExists {
                actions.append(
                    Action(
                        .quarantineOverlayImage, .delete, target: VolumeSpec.OverlaySettings.imagePath,
                        reason: "the image does not mount (\(corruption.reason)): move it aside with a timestamp; it is never deleted"))
                imageExists = false
            }
            if desired.onCorrupt == .stop && !imageExists {
                conflicts.append(
                    Conflict(
                        code: .overlayImageCorrupt, target: "overlay",
                        message:
                            "the overlay image does not mount "
                            + "(\(corruption.reason))\(corruption.movedTo.map { "; it was moved to \($0)" } ?? "; it is moved aside")",
                        hint: "set overlay.onCorrupt: recreate to make a fresh image, or restore a checkpoint that has a good one",
                        blocking: true))
                return
            }
        }
        if !imageExists {
            let why =
                !imageKnown
                ? "the volume is not mounted yet: made after the mount if missing"
                : formatsVolume
                    ? "new volume"
                    : observed.corruption != nil
                        ? "the old image was moved aside and overlay.onCorrupt is recreate" : "/active has no image"
            actions.append(
                Action(
                    .createOverlayImage, .create, target: VolumeSpec.OverlaySettings.imagePath,
                    reason: "\(why): make a sparse \(desired.imageSize) ext4 image", conditional: !imageKnown))
        }

        // Mounts that must move: the overlay comes down before its upper layer.
        var remountUpper = false
        var replacedUnderMount = false
        switch observed.upper {
        case .absent:
            remountUpper = true
        case .image(_, let backing):
            if backing != image || (imageKnown && !imageExists) {
                remountUpper = true
            } else if let mounted = observed.upperBackingInode, let current = observed.imageInode, mounted != current {
                // The path still reads as the image's, but /active was swapped under it by another client.
                remountUpper = true
                replacedUnderMount = true
            }
        case .other(let fstype, let source):
            conflicts.append(
                Conflict(
                    code: .overlayUpperOccupied, target: desired.upperMount,
                    message: "\(desired.upperMount) holds \(fstype) \(source)", hint: "unmount it or set overlay.upperMount", blocking: true
                ))
            return
        case .overlay:
            conflicts.append(
                Conflict(
                    code: .overlayUpperOccupied, target: desired.upperMount,
                    message: "\(desired.upperMount) holds an overlay", hint: "unmount it or set overlay.upperMount", blocking: true))
            return
        }
        var remountOverlay = false
        switch observed.overlay {
        case .absent:
            remountOverlay = true
        case .overlay(let options):
            remountOverlay = remountUpper || !Self.overlayOptionsMatch(options, mountOptions: observed.overlayMountOptions, desired)
        case .image, .other:
            let what: String = if case .other(let fstype, let source) = observed.overlay { "\(fstype) \(source)" } else { "an image" }
            conflicts.append(
                Conflict(
                    code: .overlayTargetOccupied, target: desired.target,
                    message: "\(desired.target) holds \(what)", hint: "unmount it or set overlay.target", blocking: true))
            return
        }
        if remountOverlay, case .overlay = observed.overlay {
            actions.append(
                Action(
                    .unmountOverlay(forceAllowed: false), .replace, target: desired.target,
                    reason: remountUpper ? "its upper layer is remounted" : "its lower directories or options differ from the spec",
                    disruption: .interrupting))
        }
        if remountUpper, case .image(_, let backing) = observed.upper {
            let reason =
                replacedUnderMount
                ? "the loop device serves inode \(observed.upperBackingInode ?? 0), but /active's image is now inode "
                    + "\(observed.imageInode ?? 0): /active was restored, on another host of this volume (what was written since went to "
                    + "the replaced tree, kept as its pre-restore checkpoint)"
                : "the loop device serves \(backing), not the image of /active (a restore or a moved image)"
            actions.append(
                Action(
                    .unmountOverlayUpper(forceAllowed: false), .replace, target: desired.upperMount, reason: reason,
                    disruption: .interrupting))
        }
        for old in [observed.recordedTarget].compactMap({ $0 }) where old != desired.target {
            actions.append(
                Action(
                    .unmountOverlay(forceAllowed: false), .delete, target: old, reason: "the overlay target moved to \(desired.target)",
                    disruption: .interrupting))
        }
        for old in [observed.recordedUpperMount].compactMap({ $0 }) where old != desired.upperMount {
            actions.append(
                Action(
                    .unmountOverlayUpper(forceAllowed: false), .delete, target: old,
                    reason: "the image's mount point moved to \(desired.upperMount)",
                    disruption: .interrupting))
        }
        if remountUpper {
            actions.append(
                Action(
                    .mountOverlayUpper, .create, target: desired.upperMount,
                    reason:
                        "loop-mount \(VolumeSpec.OverlaySettings.imagePath) (ext4, "
                        + "\(KernelMountOptions.imageWords(spec.mount).joined(separator: ","))) with upper/ and work/ inside"
                ))
        } else if case .image = observed.upper, let options = observed.upperMountOptions,
            case let drift = KernelMountOptions.drift(spec.mount, mountOptions: options, superOptions: nil), !drift.isEmpty
        {
            // Per-mount flags change in place; the overlay above keeps its own view of the image and stays mounted.
            actions.append(
                Action(
                    .mountOverlayUpper, .update, target: desired.upperMount,
                    reason:
                        "the image's mount differs from the spec: \(drift.joined(separator: "; ")): set "
                        + "\(KernelMountOptions.imageWords(spec.mount).joined(separator: ",")) in place (mount -o remount,bind); open "
                        + "files stay open"
                ))
        }
        if remountOverlay {
            actions.append(
                Action(
                    .mountOverlay, .create, target: desired.target,
                    reason: "overlay of \(desired.lowerDirs.joined(separator: ":")) with its upper layer in the image"))
        }
        actions += Self.detachStrayLoopDevices(observed, for: .apply)
    }

    /// The spec has no overlay (any more): take down what juicectl mounted.
    mutating func planOverlayRemoval(_ observed: OverlayObservation) {
        actions += Self.overlayTeardown(spec, observed, for: .apply)
    }

    /// What takes down the overlay juicectl mounted, in order: the overlay, then the image's loop mount (the loop
    /// device detaches with it), then loop devices nothing mounts. The one home of overlay teardown: `apply` when the
    /// spec has no overlay (any more), `down` (after thawing a frozen image, and forced if it must be).
    static func overlayTeardown(_ spec: VolumeSpec, _ observed: OverlayObservation, for occasion: OverlayTeardown) -> [Action] {
        var actions: [Action] = []
        let down = occasion == .down
        if down, let thaw = thawFrozenImage(spec, observed, for: occasion) { actions.append(thaw) }
        // With the spec's overlay gone (apply), these are the mounts juicectl recorded.
        if case .overlay = observed.overlay, let target = spec.overlay?.target ?? observed.recordedTarget {
            actions.append(
                Action(
                    .unmountOverlay(forceAllowed: down), .delete, target: target,
                    reason: down ? "down: the overlay comes down first" : "the spec has no overlay", disruption: .interrupting))
        }
        if case .image = observed.upper, let upper = spec.overlay?.upperMount ?? observed.recordedUpperMount {
            actions.append(
                Action(
                    .unmountOverlayUpper(forceAllowed: down), .delete, target: upper,
                    reason: down ? "down: the image's loop mount comes down before the volume" : "the spec has no overlay",
                    disruption: .interrupting))
        }
        return actions + detachStrayLoopDevices(observed, for: occasion)
    }

    /// Detaches the loop devices on an image of this volume that nothing mounts.
    static func detachStrayLoopDevices(_ observed: OverlayObservation, for occasion: OverlayTeardown) -> [Action] {
        let reason =
            switch occasion {
            case .apply: "a loop device on an image of this volume that nothing mounts"
            case .down: "down: a loop device on an image of this volume"
            }
        return observed.strayLoopDevices.map { Action(.detachLoopDevice, .delete, target: $0, reason: reason) }
    }

    /// Whether a mounted overlay's options (as mountinfo shows them: superblock options escaped, per-mount flags
    /// apart) carry the spec's lower, upper and work directories and its extra options; options the kernel adds
    /// (`uuid=on`, ...) are ignored.
    static func overlayOptionsMatch(_ superOptions: String, mountOptions: String?, _ desired: VolumeSpec.OverlaySettings) -> Bool {
        KernelMountOptions.overlayCarries(desired.overlayOptionWords, mountOptions: mountOptions, superOptions: superOptions)
    }
}

/// When the overlay comes down: the words of the reasons, and whether an unmount may be forced.
enum OverlayTeardown {
    /// `apply`: the spec has no overlay (any more), or a stray loop device; never forced.
    case apply
    /// `down`: everything comes down, forced if it must be.
    case down
}
