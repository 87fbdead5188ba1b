internal import Foundation
internal import JuiceCtl

/// Changing a fake volume as `juicefs clone` and `juicefs rmr` do, and reading what it holds (for assertions); none
/// of these is logged in ``FakeHost/State/calls``.
extension FakeHost {
    /// Copies the tree at `source` (its `stat` answers, file contents and local files) to `destination`, giving
    /// every copied entry a new inode, as `juicefs clone` does. Not logged in ``State/calls``.
    ///
    /// - Returns: 0, `ENOENT` when `source` or the destination's directory is missing, `EEXIST` when `destination`
    ///   exists.
    @discardableResult
    package func copyTree(_ source: String, to destination: String) -> Int32 {
        update { state in
            guard state.statuses[source] != nil || state.localFiles.contains(source) else { return ENOENT }
            guard Self.isDirectory(Self.parent(of: destination), in: state) else { return ENOENT }
            guard state.statuses[destination] == nil, !state.localFiles.contains(destination) else { return EEXIST }
            func under(_ key: String) -> Bool { key == source || key.hasPrefix(source + "/") }
            func moved(_ key: String) -> String { destination + key.dropFirst(source.count) }
            for key in state.statuses.keys.sorted() where under(key) {
                switch state.statuses[key] {
                case .found(_, let isDirectory)?:
                    state.statuses[moved(key)] = .found(inode: state.nextInode, isDirectory: isDirectory)
                    state.nextInode += 1
                case let other?:
                    state.statuses[moved(key)] = other
                case nil:
                    break
                }
            }
            for (key, value) in state.fileContents where under(key) { state.fileContents[moved(key)] = value }
            for key in state.localFiles where under(key) { state.localFiles.insert(moved(key)) }
            // Tree entries are copied as juicefs clone copies them: every name a file of its own (links broken).
            for key in state.treeEntries.keys.sorted() where under(key) {
                var copy = state.treeEntries[key]!
                copy.inode = state.nextInode
                state.nextInode += 1
                if copy.kind != .directory { copy.linkCount = 1 }
                state.treeEntries[moved(key)] = copy
            }
            return 0
        }
    }

    /// Removes `path` and everything under it (`stat` answers, file contents, local files), as `juicefs rmr`
    /// does. Not logged in ``State/calls``.
    ///
    /// - Returns: whether anything was there.
    @discardableResult
    package func removeTree(_ path: String) -> Bool {
        update { Self.removeTree(path, in: &$0) }
    }

    /// The paths at or under `path` with a `stat` answer or contents, sorted.
    package func paths(under path: String) -> [String] {
        let state = snapshot
        let all = Set(state.statuses.keys).union(state.fileContents.keys).union(state.localFiles)
        return all.filter { $0 == path || $0.hasPrefix(path + "/") }.sorted()
    }

    /// The path whose `stat` answer has `inode`, if any (the first in sorted order).
    package func path(ofInode inode: UInt64) -> String? {
        let state = snapshot
        return state.statuses.keys.sorted().first { key in
            if case .found(let found, _)? = state.statuses[key] { return found == inode }
            return false
        }
    }

    /// The inode `stat(path)` answers, if it finds something.
    package func inode(of path: String) -> UInt64? {
        if case .found(let inode, _)? = snapshot.statuses[path] { return inode }
        return nil
    }

    /// The text of the contents `readFile(path)` returns, if any.
    package func text(of path: String) -> String? {
        snapshot.fileContents[path].map { String(decoding: $0, as: UTF8.self) }
    }
}
