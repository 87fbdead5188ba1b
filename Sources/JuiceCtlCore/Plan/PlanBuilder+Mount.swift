/// The mount stage: mount, remount in place or across, recover a stale mount, restart a lost supervisor.
extension PlanBuilder {
    mutating func planMount() {
        let desired = MountCommand.arguments(for: spec)
        let explained = MountExplanation(spec)
        switch observation.mount {
        case .absent:
            actions.append(
                Action(
                    .mount, .create, target: spec.mount.path,
                    reason: formatsVolume ? "new volume" : explained.notMounted))
            mountAvailable = true
        case .stale(let reason, let entries):
            actions.append(
                Action(
                    .recoverStaleMount, .replace, target: spec.mount.path,
                    reason: explained.staleRecovery(reason: reason, entries: entries),
                    disruption: .none))
            mountAvailable = true
        case .unresponsive(let reason, let pid):
            conflicts.append(explained.unresponsiveConflict(reason: reason, pid: pid))
        case .foreign(let fstype, let source):
            conflicts.append(explained.occupiedConflict(fstype: fstype, source: source))
        case .live(let mount):
            mountAvailable = true
            if mount.stackedEntries > 1 {
                actions.append(
                    Action(
                        .remount(changedFlags: nil), .replace, target: spec.mount.path,
                        reason: explained.stackedRemount(entries: mount.stackedEntries),
                        disruption: .interrupting))
                break
            }
            // The kernel's own account of nosuid, nodev and allow_other: a client started by an earlier juicectl
            // runs with them although its command line does not name them.
            let drift =
                mount.mountOptions.map {
                    KernelMountOptions.drift(spec.mount, mountOptions: $0, superOptions: mount.superOptions)
                } ?? []
            var changed = mount.arguments.map { MountCommand.changedFlags(live: $0, desired: desired) } ?? []
            if !drift.isEmpty && !changed.contains("o") { changed = (changed + ["o"]).sorted() }
            if changed.isEmpty {
                if !mount.supervisorAlive { appendSupervisorRestart(mount) }
                break
            }
            if changed.contains("cache-dir"), let staging = observation.staging, !staging.isEmpty {
                actions.append(
                    Action(
                        .flushStaging, .update, target: staging.cacheDir,
                        reason:
                            "mount.cacheDir changes while \(staging.summary) are staged in \(staging.cacheDir) and nowhere else: upload "
                            + "them first, so that the new cache directory starts with nothing only local",
                        disruption: .brief))
            }
            let fuseLevel = changed.filter { MountFlag.named($0)?.changeClass == .requiresUnmount }
            if fuseLevel.isEmpty {
                actions.append(
                    Action(
                        .remountInPlace(changedFlags: changed), .update, target: spec.mount.path,
                        reason:
                            "mount option(s) \(changed.joined(separator: ", ")) differ: re-running juicefs mount on the same path hands "
                            + "the session to a new client; open files stay open",
                        disruption: .brief))
            } else if !drift.isEmpty {
                actions.append(
                    Action(
                        .remount(changedFlags: changed), .replace, target: spec.mount.path,
                        reason:
                            "the mount's kernel options differ from the spec: \(drift.joined(separator: "; ")). A graceful restart would "
                            + "stack a second mount, so unmount and mount with -o "
                            + "\(KernelMountOptions.fuseWords(spec.mount).joined(separator: ",")) (refused while files are open)",
                        disruption: .interrupting))
            } else {
                actions.append(
                    Action(
                        .remount(changedFlags: changed), .replace, target: spec.mount.path,
                        reason:
                            "FUSE-level option(s) \(fuseLevel.joined(separator: ", ")) differ: a graceful restart would stack a second "
                            + "mount, so unmount and mount (refused while files are open)",
                        disruption: .interrupting))
            }
        }
        for path in observation.formerMountPaths where path != spec.mount.path {
            actions.append(
                Action(
                    .unmount(forceAllowed: false), .delete, target: path,
                    reason: "juicectl mounted this volume at \(path) before; the spec now says \(spec.mount.path)",
                    disruption: .interrupting))
        }
    }

    mutating func appendSupervisorRestart(_ mount: LiveMount) {
        actions.append(
            Action(
                .remountInPlace(changedFlags: nil), .update, target: spec.mount.path,
                reason: MountExplanation(spec).supervisorGone(mount),
                disruption: .brief))
    }
}
