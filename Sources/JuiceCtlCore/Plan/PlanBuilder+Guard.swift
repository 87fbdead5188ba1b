/// The volume root and juicectl's directories on it are root's alone: a mode that drifted is put back, and an entry
/// someone else could have planted stops every step on the volume (juicectl never acts through it).
extension PlanBuilder {
    /// Plans `secure-directory` for the root and for juicectl's directories whose owner or mode drifted, and a
    /// blocking `UnsafeVolumeEntry` conflict for each entry root must not act through. Returns false when such an
    /// entry exists: nothing else on the volume is planned then.
    mutating func planVolumeGuards() -> Bool {
        if formatsVolume {
            actions.append(
                Action(
                    .secureDirectory, .update, target: "/",
                    reason:
                        "new volume: juicefs formats the root 0777; make it 0755, owned by root, so that nobody else can rename or plant "
                        + "juicectl's directories"
                ))
            return true
        }
        guard let guards = observation.guards else { return true }
        if let root = guards.root, root.uid != 0 || root.mode != VolumeLayout.rootMode {
            actions.append(
                Action(
                    .secureDirectory, .update, target: "/",
                    reason:
                        "the volume root is \(Self.describeOwner(root)): anyone who reaches \(spec.mount.path) could rename /checkpoints "
                        + "and plant links where juicectl acts as root; make it 0755, owned by root"
                ))
        }
        let unsafe = guards.unsafe
        for entry in unsafe {
            conflicts.append(
                Conflict(
                    code: .unsafeVolumeEntry, target: entry.path,
                    message:
                        "\(entry): someone other than root could have planted it or can swap it, and juicectl acts there as root; it is "
                        + "not followed and nothing on the volume is changed",
                    hint:
                        "find out who made it; move it out of the way (juicectl's own entry may have been renamed elsewhere on the volume) "
                        + "and run apply again",
                    blocking: true))
        }
        guard unsafe.isEmpty else { return false }
        for path in VolumeLayout.guardedDirectories {
            guard let entry = guards.entries[path], let wanted = VolumeLayout.directoryMode(path), entry.mode & ~wanted != 0 else {
                continue
            }
            actions.append(
                Action(
                    .secureDirectory, .update, target: path,
                    reason: "\(path) is \(Self.describeOwner(entry)); juicectl keeps it \(String(wanted, radix: 8)), for root alone"))
        }
        return true
    }

    private static func describeOwner(_ entry: GuardedEntry) -> String {
        "mode \(String(entry.mode, radix: 8))\(entry.uid == 0 ? "" : ", owned by uid \(entry.uid)")"
    }
}
