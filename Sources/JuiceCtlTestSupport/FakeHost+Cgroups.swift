internal import Foundation
package import JuiceCtl
package import JuiceCtlCore

/// Kernel control files on the fake host: they live in ``FakeHost/State/fileContents``, and writes to a cgroup's
/// freezer files behave as the kernel's do (v1 `freezer.state` reads back `FROZEN`, v2 `cgroup.freeze` updates
/// `frozen` in `cgroup.events`), except for cgroups in ``FakeHost/State/unfreezableCgroups``.
extension FakeHost {
    package func readControlFile(_ path: String) -> String? {
        update { state in
            state.calls.append("readControlFile \(path)")
            return state.fileContents[path].map { String(decoding: $0, as: UTF8.self) }
        }
    }

    package func writeControlFile(_ path: String, _ text: String) -> Int32 {
        update { state in
            state.calls.append("writeControlFile \(path) \(text)")
            guard state.fileContents[path] != nil else { return ENOENT }
            let directory = (path as NSString).deletingLastPathComponent
            let stuck = state.unfreezableCgroups.contains(directory)
            switch (path as NSString).lastPathComponent {
            case "freezer.state":
                let value = text == "FROZEN" && stuck ? "FREEZING" : text
                state.fileContents[path] = Data("\(value)\n".utf8)
            case "cgroup.freeze":
                state.fileContents[path] = Data("\(text)\n".utf8)
                let frozen = text == "1" && !stuck ? 1 : 0
                state.fileContents["\(directory)/cgroup.events"] = Data("populated 1\nfrozen \(frozen)\n".utf8)
            default:
                state.fileContents[path] = Data(text.utf8)
            }
            return 0
        }
    }

    package func exclusiveLock(_ path: String, operation: String, timeout: Duration) async throws -> any HeldLock {
        let busy: VolumeLock.Busy? = update { state in
            state.calls.append("lock \(path)")
            state.localFiles.insert(path)
            if let holder = state.locksHeldElsewhere[path] { return VolumeLock.Busy(path: path, holder: holder, waited: timeout) }
            state.heldLocks[path] = operation
            return nil
        }
        if let busy { throw busy }
        return FakeLock(path: path, host: self)
    }

    /// Adds a cgroup directory with its freezer files (thawed), and the cgroup filesystem's mount to the mount
    /// table when `hierarchy` is not mounted yet.
    package func addCgroup(_ path: String, version: CgroupVersion, hierarchy: String, frozen: Bool = false) {
        let mounted = ((try? mountInfo()) ?? "").contains(" \(hierarchy) ")
        if !mounted {
            let line =
                version == .v1
                ? "90 26 0:60 / \(hierarchy) rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,freezer"
                : "91 26 0:61 / \(hierarchy) rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw"
            appendMountInfo(line)
        }
        update { state in
            state.localFiles.insert(path)
            switch version {
            case .v1:
                state.fileContents["\(path)/freezer.state"] = Data((frozen ? "FROZEN\n" : "THAWED\n").utf8)
            case .v2:
                state.fileContents["\(path)/cgroup.freeze"] = Data((frozen ? "1\n" : "0\n").utf8)
                state.fileContents["\(path)/cgroup.events"] = Data("populated 1\nfrozen \(frozen ? 1 : 0)\n".utf8)
            }
        }
    }

    /// Makes `pid` a member of `cgroups` as `/proc/PID/cgroup` lists them (`N:controllers:/path` lines).
    package func setProcessCgroups(_ pid: String, _ lines: [String]) {
        setFile("/proc/\(pid)/cgroup", text: lines.joined(separator: "\n") + "\n")
    }

    /// The freezer state of a fake cgroup, as its files say.
    package func freezerText(_ path: String) -> String? {
        text(of: "\(path)/freezer.state") ?? text(of: "\(path)/cgroup.events")
    }
}

/// A lock on the fake host: releasing it is logged as `unlock PATH` and drops it from ``FakeHost/State/heldLocks``.
package struct FakeLock: HeldLock {
    /// The lock file.
    package let path: String
    let host: FakeHost

    package func release() {
        host.update { state in
            state.calls.append("unlock \(path)")
            state.heldLocks[path] = nil
        }
    }
}
