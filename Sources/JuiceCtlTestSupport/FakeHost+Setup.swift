package import Foundation
package import JuiceCtl
package import JuiceCtlCore

/// Setting the fake host up: its mount table, `stat`/`statfs` answers, files, processes and tree users, and the
/// mountinfo lines a test writes.
extension FakeHost {
    /// Replaces the mount table.
    package func setMountInfo(_ text: String) {
        update { $0.mountInfo = text }
    }

    /// Appends one line to the mount table (it is mounted on top of earlier lines with the same mount point).
    package func appendMountInfo(_ line: String) {
        update { state in
            if !state.mountInfo.isEmpty, !state.mountInfo.hasSuffix("\n") { state.mountInfo += "\n" }
            state.mountInfo += line.hasSuffix("\n") ? line : line + "\n"
        }
    }

    /// Removes every mount table line whose mount point (decoded) is `mountPoint`; with `onlyTop`, only the last.
    package func removeMountInfo(at mountPoint: String, onlyTop: Bool = false) {
        update { state in
            var lines = state.mountInfo.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            let matching = lines.indices.filter { MountInfoParser.parseLine(Substring(lines[$0]))?.mountPoint == mountPoint }
            for index in (onlyTop ? Array(matching.suffix(1)) : matching).reversed() { lines.remove(at: index) }
            state.mountInfo = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        }
    }

    /// Sets what `stat(path)` answers.
    package func setStat(_ path: String, _ status: PathStatus) {
        update { $0.statuses[path] = status }
    }

    /// Makes `path` a directory with `inode`.
    package func setDirectory(_ path: String, inode: UInt64) {
        setStat(path, .found(inode: inode, isDirectory: true))
    }

    /// Sets what `statfs(path)` answers (`nil`: it fails).
    package func setStatfs(_ path: String, _ stats: FilesystemStats?) {
        update { $0.filesystemStats[path] = stats }
    }

    /// Sets the contents `readFile(path)` returns (`nil`: it cannot be read).
    package func setFile(_ path: String, _ contents: Data?) {
        update { $0.fileContents[path] = contents }
    }

    /// Sets the text `readFile(path)` returns.
    package func setFile(_ path: String, text: String) {
        setFile(path, Data(text.utf8))
    }

    /// Makes `path` exist, or not, on a local filesystem.
    package func setLocalFile(_ path: String, exists: Bool = true) {
        update { state in
            if exists { state.localFiles.insert(path) } else { state.localFiles.remove(path) }
        }
    }

    /// Makes a process with `commandLine` run as `pid`, alive unless said otherwise.
    package func setProcess(_ pid: Int32, commandLine: [String]?, alive: Bool = true) {
        update { state in
            state.commandLines[pid] = commandLine
            if alive { state.livePIDs.insert(pid) } else { state.livePIDs.remove(pid) }
        }
    }

    /// Makes `pid` alive or gone (its command line stays as set).
    package func setAlive(_ pid: Int32, _ alive: Bool) {
        update { state in
            if alive { state.livePIDs.insert(pid) } else { state.livePIDs.remove(pid) }
        }
    }

    /// Makes `mkdir(path)` answer `errno` (0: success) instead of the default behaviour.
    package func setMkdirResult(_ path: String, errno: Int32) {
        update { $0.mkdirResults[path] = errno }
    }

    /// Sets which processes use `path`.
    package func setProcessesUsing(_ path: String, _ pids: [Int32]) {
        update { $0.processesUsing[path] = pids }
    }

    /// Sets the users ``treeUsers(_:)`` knows of.
    package func setTreeUsers(_ users: [TreeUser]) {
        update { $0.treeUsers = users }
    }

    /// Makes ``treeUsers(_:)`` answer with `answer` for every query.
    package func setTreeUsersAnswer(_ answer: @escaping @Sendable (TreeUsageQuery) -> [TreeUser]) {
        update { $0.treeUsersAnswer = answer }
    }

    /// Every query ``treeUsers(_:)`` was asked, in order.
    package var treeUsageQueries: [TreeUsageQuery] { snapshot.treeUsageQueries }

    /// Sets the start time of `pid` (in clock ticks after boot).
    package func setStartTime(_ pid: Int32, _ ticks: UInt64?) {
        update { $0.startTimes[pid] = ticks }
    }

    /// One line of `/proc/self/mountinfo` as the kernel writes it: space, tab, newline and backslash in the mount
    /// point and source escaped as `\040`, `\011`, `\012`, `\134`.
    package static func mountInfoLine(
        id: Int, parentID: Int = 1, device: String = "0:50", mountPoint: String,
        fstype: String, source: String, mountOptions: String = "rw,nosuid,nodev,relatime",
        optionalFields: [String] = [], superOptions: String = "rw"
    ) -> String {
        ([String(id), String(parentID), device, "/", escape(mountPoint), mountOptions] + optionalFields
            + ["-", fstype, escape(source), superOptions]).joined(separator: " ")
    }

    /// `\040`-style escaping of the characters the kernel escapes in mountinfo.
    package static func escape(_ field: String) -> String {
        var result = ""
        for scalar in field.unicodeScalars {
            switch scalar {
            case " ": result += "\\040"
            case "\t": result += "\\011"
            case "\n": result += "\\012"
            case "\\": result += "\\134"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
