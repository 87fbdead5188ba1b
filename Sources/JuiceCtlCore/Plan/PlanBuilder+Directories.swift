/// The directories stage: the directories the spec needs on the volume (its layout and each quota's), created when missing.
extension PlanBuilder {
    /// Plans missing directories; returns volume paths that cannot hold a quota (not directories).
    mutating func planDirectories() -> Set<String> {
        let wanted = spec.requiredDirectories
        let live = observation.mount.live != nil
        var blocked = Set<String>()
        for path in wanted {
            if formatsVolume {
                actions.append(Action(.createDirectory, .create, target: path, reason: "new volume"))
                continue
            }
            guard live else {
                actions.append(
                    Action(
                        .createDirectory, .create, target: path,
                        reason: "the volume is not mounted yet: created after the mount if missing", conditional: true))
                continue
            }
            // Below a path that is not a directory nothing can be created (the conflict for it says why).
            if HostPath.selfAndAncestors(path).dropLast().contains(where: blocked.contains) { continue }
            switch observation.directories[path] {
            case .directory?:
                break
            case .notDirectory?:
                blocked.insert(path)
                conflicts.append(
                    Conflict(
                        code: .notADirectory, target: path,
                        message: "\(path) on the volume exists but is not a directory",
                        hint: "move it away; juicectl never deletes user files", blocking: false))
            case .missing?, nil:
                actions.append(Action(.createDirectory, .create, target: path, reason: "\(path) does not exist on the volume"))
            }
        }
        return blocked
    }
}
