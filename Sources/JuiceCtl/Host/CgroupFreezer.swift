internal import Foundation
package import JuiceCtlCore

/// A cgroup juicectl can freeze: its directory, the interface it offers and the hierarchy it belongs to.
package struct FreezableCgroup: Sendable, Hashable, Codable {
    /// The cgroup's directory.
    package var path: String
    /// v1 freezer or v2.
    package var version: CgroupVersion
    /// Where its hierarchy is mounted (the cgroup filesystem's mount point).
    package var hierarchy: String

    /// Creates a description.
    package init(path: String, version: CgroupVersion, hierarchy: String) {
        self.path = path
        self.version = version
        self.hierarchy = hierarchy
    }

    /// The file a freeze or a thaw is written to.
    package var controlFile: String { version == .v1 ? "\(path)/freezer.state" : "\(path)/cgroup.freeze" }
    /// What freezes it.
    package var freezeValue: String { version == .v1 ? "FROZEN" : "1" }
    /// What thaws it.
    package var thawValue: String { version == .v1 ? "THAWED" : "0" }
    /// The cgroup's path inside its hierarchy, as `/proc/PID/cgroup` names it (`/sandbox-1`).
    package var relativePath: String { path == hierarchy ? "/" : String(path.dropFirst(hierarchy.count)) }
}

/// Reads and writes cgroup freezers through the host seam: v1 `freezer.state` (`THAWED`/`FREEZING`/`FROZEN`), v2
/// `cgroup.freeze` and the `frozen` key of `cgroup.events`. Measured here (kernel 6.18, hybrid layout): a busy
/// writer's cgroup reports frozen 6 to 7 ms after the write, on v1 and on v2.
package struct CgroupFreezer: Sendable {
    let host: any HostProbing

    /// Creates a freezer over `host`.
    package init(host: any HostProbing) {
        self.host = host
    }

    /// What is at `path`: nothing, a cgroup with a freezer (and its state), or something that cannot be frozen.
    package func inspect(_ path: String) -> (observation: CgroupObservation, cgroup: FreezableCgroup?) {
        let mounts = MountInfoParser.parse((try? host.mountInfo()) ?? "")
        let hierarchies = mounts.filter { entry in
            entry.fstype == "cgroup2" || (entry.fstype == "cgroup" && entry.superOptions.split(separator: ",").contains("freezer"))
        }
        if hierarchies.contains(where: { $0.mountPoint == path }) {
            return (
                CgroupObservation(path: path, presence: .unusable(reason: "it is the root of a cgroup hierarchy, which cannot be frozen")),
                nil
            )
        }
        // The deepest hierarchy above the path (a v2 hierarchy can sit inside /sys/fs/cgroup, as `unified` does).
        guard
            let hierarchy = hierarchies.filter({ HostPath.isWithin(path, $0.mountPoint) && path != $0.mountPoint })
                .max(by: { $0.mountPoint.count < $1.mountPoint.count })
        else {
            let presence: CgroupObservation.Presence =
                host.fileExists(path)
                ? .unusable(reason: "it is not on a cgroup filesystem with a freezer (cgroup v1 freezer or cgroup v2)")
                : .absent
            return (CgroupObservation(path: path, presence: presence), nil)
        }
        let cgroup = FreezableCgroup(path: path, version: hierarchy.fstype == "cgroup2" ? .v2 : .v1, hierarchy: hierarchy.mountPoint)
        guard let state = state(of: cgroup) else {
            let presence: CgroupObservation.Presence =
                host.fileExists(path)
                ? .unusable(reason: "it has no \((cgroup.controlFile as NSString).lastPathComponent)")
                : .absent
            return (CgroupObservation(path: path, presence: presence), nil)
        }
        return (CgroupObservation(path: path, presence: .cgroup(version: cgroup.version, state: state)), cgroup)
    }

    /// The freezer state, or `nil` when its files cannot be read (the cgroup is gone).
    package func state(of cgroup: FreezableCgroup) -> FreezerState? {
        switch cgroup.version {
        case .v1:
            guard let text = host.readControlFile(cgroup.controlFile) else { return nil }
            switch text.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "FROZEN": return .frozen
            case "FREEZING": return .freezing
            case "THAWED": return .thawed
            default: return nil
            }
        case .v2:
            guard let requested = host.readControlFile(cgroup.controlFile)?.trimmingCharacters(in: .whitespacesAndNewlines),
                let events = host.readControlFile("\(cgroup.path)/cgroup.events")
            else { return nil }
            let frozen = events.split(separator: "\n").contains("frozen 1")
            if frozen { return .frozen }
            return requested == "1" ? .freezing : .thawed
        }
    }

    /// Asks the kernel to freeze the cgroup; 0 or the errno.
    package func freeze(_ cgroup: FreezableCgroup) -> Int32 {
        host.writeControlFile(cgroup.controlFile, cgroup.freezeValue)
    }

    /// Thaws the cgroup; 0 or the errno (a cgroup that is gone counts as thawed: `ENOENT` is 0 here).
    package func thaw(_ cgroup: FreezableCgroup) -> Int32 {
        let code = host.writeControlFile(cgroup.controlFile, cgroup.thawValue)
        return code == ENOENT ? 0 : code
    }

    /// Whether process `pid` is inside `cgroup` or one of its descendants (freezing the cgroup would stop it), from
    /// `/proc/PID/cgroup`; `nil` when that cannot be read (the process is gone).
    package func contains(_ cgroup: FreezableCgroup, pid: String) -> Bool? {
        guard let text = host.readControlFile("/proc/\(pid)/cgroup") else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let matches =
                switch cgroup.version {
                case .v1: fields[1].split(separator: ",").contains("freezer")
                case .v2: fields[0] == "0" && fields[1].isEmpty
                }
            guard matches else { continue }
            let member = String(fields[2])
            let target = cgroup.relativePath
            return target == "/" || member == target || member.hasPrefix(target + "/")
        }
        return false
    }
}
