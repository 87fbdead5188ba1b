internal import Foundation
package import JuiceCtl

/// The tree calls of ``FakeHost``, over ``FakeHost/State/treeEntries``: entries by host path, each with the status
/// `lstat` would give. A directory must have an entry of its own for anything below it to be reached (a walk's root
/// may instead be a directory by its `stat` answer, as a fake volume's directories are); an entry on
/// the way that is no directory (a symbolic link included) stops a call with `ENOTDIR`, as on the real host.
///
/// A link or rename changes the modification time of the directory it changes to a new, later time (as the
/// kernel would), so that a test sees whether the code under test puts the times back. A ``TreeCalls`` session runs
/// its body at once. Calls are logged in ``FakeHost/State/calls`` as `linkedFiles ROOT`, `entryStatus PATH`,
/// `link FROM TO`, `rename FROM over TO` and `setTimes PATH ACCESSED MODIFIED`, with host paths.
extension FakeHost {
    /// The key of `path` below `root` in ``State/treeEntries``: `root/path` with the path's names escaped as
    /// ``TreePath/description`` escapes them.
    package static func treeKey(_ path: TreePath, below root: String) -> String {
        path.isRoot ? root : "\(root)/\(path)"
    }

    /// Puts an entry at `path` below `root`, with directory entries for its missing parents (and `root` itself).
    package func putTreeEntry(_ path: TreePath, below root: String, _ status: EntryStatus) {
        update { state in
            var directory = TreePath.root
            for name in path.components.dropLast() {
                let key = Self.treeKey(directory, below: root)
                if state.treeEntries[key] == nil { state.treeEntries[key] = Self.directoryStatus(&state) }
                directory = directory.appending(name)!
            }
            let parent = Self.treeKey(directory, below: root)
            if state.treeEntries[parent] == nil, !path.isRoot { state.treeEntries[parent] = Self.directoryStatus(&state) }
            state.treeEntries[Self.treeKey(path, below: root)] = status
        }
    }

    /// The entry at `path` below `root`, if any (not logged).
    package func treeEntry(_ path: TreePath, below root: String) -> EntryStatus? {
        snapshot.treeEntries[Self.treeKey(path, below: root)]
    }

    package func linkedFiles(under root: String, deadline: Duration) async -> LinkedFilesWalk {
        update { state in
            state.calls.append("linkedFiles \(root)")
            // The root is a directory by its tree entry, or else by its `stat` answer (a fake volume's directory).
            switch (state.treeEntries[root]?.kind, state.statuses[root]) {
            case (.directory?, _), (nil, .found(_, true)?): break
            case (_?, _): return .failed(errno: ENOTDIR, at: .root)
            case (nil, _): return .failed(errno: ENOENT, at: .root)
            }
            // Only what a walk reaches: every entry on the way from the root a directory.
            var files: [LinkedFile] = []
            for (key, status) in state.treeEntries where key.hasPrefix(root + "/") && status.kind == .regular && status.linkCount > 1 {
                let path = TreePath(String(key.dropFirst(root.count + 1)))
                guard Self.blockingEntry(on: path, below: root, in: state) == nil else { continue }
                files.append(LinkedFile(path: path, inode: status.inode))
            }
            return .found(files.sorted { $0.path < $1.path })
        }
    }

    package func withTreeCalls<T: Sendable>(
        below root: String, deadline: Duration,
        _ body: @escaping @Sendable (any TreeCalls) -> T
    ) async -> T? {
        body(FakeTreeCalls(host: self, root: root))
    }

    func treeStatus(_ path: TreePath, below root: String) -> EntryLookup {
        update { state in
            state.calls.append("entryStatus \(Self.treeKey(path, below: root))")
            if let code = Self.blockingEntry(on: path, below: root, in: state) { return .failed(errno: code) }
            guard let status = state.treeEntries[Self.treeKey(path, below: root)] else { return .failed(errno: ENOENT) }
            return .found(status)
        }
    }

    func treeLink(_ existing: TreePath, as newPath: TreePath, below root: String) -> Int32 {
        update { state in
            let from = Self.treeKey(existing, below: root)
            let to = Self.treeKey(newPath, below: root)
            state.calls.append("link \(from) \(to)")
            if let code = Self.blockingEntry(on: existing, below: root, in: state)
                ?? Self.blockingEntry(on: newPath, below: root, in: state)
            {
                return code
            }
            guard var status = state.treeEntries[from] else { return ENOENT }
            guard status.kind != .directory else { return EPERM }
            guard state.treeEntries[to] == nil else { return EEXIST }
            guard Self.isDirectory(newPath.parent, below: root, in: state) else { return ENOENT }
            status.linkCount += 1
            for (key, other) in state.treeEntries where other.inode == status.inode { state.treeEntries[key]?.linkCount = status.linkCount }
            state.treeEntries[to] = status
            Self.touch(newPath.parent, below: root, in: &state)
            return 0
        }
    }

    func treeRename(_ source: TreePath, over destination: TreePath, below root: String) -> Int32 {
        update { state in
            let from = Self.treeKey(source, below: root)
            let to = Self.treeKey(destination, below: root)
            state.calls.append("rename \(from) over \(to)")
            if let code = Self.blockingEntry(on: source, below: root, in: state)
                ?? Self.blockingEntry(on: destination, below: root, in: state)
            {
                return code
            }
            guard let moving = state.treeEntries[from] else { return ENOENT }
            guard Self.isDirectory(destination.parent, below: root, in: state) else { return ENOENT }
            if let replaced = state.treeEntries[to] {
                if replaced.kind == .directory { return EISDIR }
                if replaced.inode == moving.inode { return 0 }
                for (key, other) in state.treeEntries where other.inode == replaced.inode { state.treeEntries[key]?.linkCount -= 1 }
            }
            state.treeEntries.removeValue(forKey: from)
            state.treeEntries[to] = moving
            Self.touch(source.parent, below: root, in: &state)
            Self.touch(destination.parent, below: root, in: &state)
            return 0
        }
    }

    func treeSetTimes(_ path: TreePath, accessed: FileTime, modified: FileTime, below root: String) -> Int32 {
        update { state in
            let key = Self.treeKey(path, below: root)
            state.calls.append("setTimes \(key) \(accessed) \(modified)")
            if let code = Self.blockingEntry(on: path, below: root, in: state) { return code }
            guard state.treeEntries[key] != nil else { return ENOENT }
            state.treeEntries[key]?.accessed = accessed
            state.treeEntries[key]?.modified = modified
            return 0
        }
    }

    // MARK: Helpers

    /// `ENOTDIR` when an entry on the way from `root` (not counted) to `path` (not counted) is no directory, `ENOENT`
    /// when one is missing.
    private static func blockingEntry(on path: TreePath, below root: String, in state: State) -> Int32? {
        var directory = TreePath.root
        for name in path.components.dropLast() {
            directory = directory.appending(name)!
            guard let entry = state.treeEntries[treeKey(directory, below: root)] else { return ENOENT }
            guard entry.kind == .directory else { return ENOTDIR }
        }
        return nil
    }

    /// Whether `path` below `root` is a directory: by its tree entry, or for `root` itself also by its `stat` answer.
    private static func isDirectory(_ path: TreePath, below root: String, in state: State) -> Bool {
        if case .directory? = state.treeEntries[treeKey(path, below: root)]?.kind { return true }
        if path.isRoot, case .found(_, true)? = state.statuses[root] { return true }
        return false
    }

    /// Gives the directory at `path` a modification time later than any before, as a change of its names does.
    private static func touch(_ path: TreePath, below root: String, in state: inout State) {
        let key = treeKey(path, below: root)
        guard state.treeEntries[key] != nil else { return }
        let latest = state.treeEntries.values.map(\.modified.seconds).max() ?? 0
        state.treeEntries[key]?.modified = FileTime(seconds: max(latest, 2_000_000_000) + 1, nanoseconds: 0)
    }

    private static func directoryStatus(_ state: inout State) -> EntryStatus {
        defer { state.nextInode += 1 }
        return EntryStatus(kind: .directory, inode: state.nextInode, linkCount: 2, mode: 0o755)
    }
}

/// The tree calls of a ``FakeHost`` session: each goes to the host's state at once, logged.
struct FakeTreeCalls: TreeCalls {
    let host: FakeHost
    let root: String

    func status(_ path: TreePath) -> EntryLookup { host.treeStatus(path, below: root) }
    func link(_ existing: TreePath, as newPath: TreePath) -> Int32 { host.treeLink(existing, as: newPath, below: root) }
    func rename(_ source: TreePath, over destination: TreePath) -> Int32 { host.treeRename(source, over: destination, below: root) }
    func setTimes(_ path: TreePath, accessed: FileTime, modified: FileTime) -> Int32 {
        host.treeSetTimes(path, accessed: accessed, modified: modified, below: root)
    }
}
