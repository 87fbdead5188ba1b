package import Foundation
package import JuiceCtl

/// The deadline-bounded path calls of ``HostProbing`` (on a fake volume): `stat`, `lstat` of links, `statfs`, reads,
/// `mkdir`, directory listings, `rename` and `fsync`, answered from ``FakeHost/State/statuses``,
/// ``FakeHost/State/fileContents`` and ``FakeHost/State/localFiles``.
extension FakeHost {
    package func stat(_ path: String, deadline: Duration) async -> PathStatus {
        update { state in
            state.calls.append("stat \(path)")
            return state.statuses[path] ?? Self.noSuchFile
        }
    }

    package func symbolicLink(in path: String, below root: String, deadline: Duration) async -> String? {
        update { state in
            state.calls.append("lstat \(path)")
            guard path.hasPrefix(root + "/") else { return nil }
            var current = root
            for component in path.dropFirst(root.count).split(separator: "/") {
                current += "/" + component
                if state.symbolicLinks.contains(current) { return current }
            }
            return nil
        }
    }

    package func statfs(_ path: String, deadline: Duration) async -> FilesystemStats? {
        update { state in
            state.calls.append("statfs \(path)")
            return state.filesystemStats[path]
        }
    }

    package func readFile(_ path: String, deadline: Duration) async -> Data? {
        if case .contents(let data) = await readFileAnswer(path, deadline: deadline) { return data }
        return nil
    }

    /// The contents set for `path`; a timeout for ``State/unansweredReads``; the errno of ``State/failingReads``;
    /// `ENOENT` otherwise.
    package func readFileAnswer(_ path: String, deadline: Duration) async -> FileReadAnswer {
        update { state in
            state.calls.append("readFile \(path)")
            if state.unansweredReads.contains(path) { return .timedOut }
            if let code = state.failingReads[path] { return .failed(errno: code, message: String(cString: strerror(code))) }
            return state.fileContents[path].map { .contents($0) } ?? .failed(errno: ENOENT, message: "No such file or directory")
        }
    }

    /// Answers from ``State/mkdirResults`` when set there; otherwise `EEXIST` when `path` has a `stat` answer,
    /// `ETIMEDOUT` when its parent's `stat` times out, `ENOENT` when the parent is no directory, and else creates
    /// it (a directory with a new inode, listed in ``State/createdDirectories``) and returns 0.
    package func makeDirectory(_ path: String, mode: UInt16, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("mkdir \(path)")
            if let code = state.mkdirResults[path] {
                if code == 0 { Self.create(path, in: &state) }
                return code
            }
            switch state.statuses[path] {
            case .found?: return EEXIST
            case .timedOut?: return ETIMEDOUT
            case .failed?, nil: break
            }
            switch state.statuses[Self.parent(of: path)] {
            case .found(_, true)?: break
            case .timedOut?: return ETIMEDOUT
            default: return ENOENT
            }
            Self.create(path, in: &state)
            return 0
        }
    }

    /// The names under `path` among the paths with a `stat` answer, file contents or local files; `nil` when
    /// `path` is no directory (no `stat` answer as one, no local directory, no children).
    package func listDirectory(_ path: String, deadline: Duration) async -> [String]? {
        update { state in
            state.calls.append("listDirectory \(path)")
            let prefix = path.hasSuffix("/") ? path : path + "/"
            let known = state.statuses.compactMap { key, value -> String? in
                if case .found = value { return key }
                return nil
            }
            let children = Set(
                (known + Array(state.localFiles) + Array(state.fileContents.keys)).compactMap { entry -> String? in
                    guard entry.hasPrefix(prefix) else { return nil }
                    return entry.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
                })
            let isDirectory: Bool
            switch state.statuses[path] {
            case .found(_, let directory)?: isDirectory = directory
            case .failed?, .timedOut?: return nil
            case nil: isDirectory = state.localFiles.contains(path) || !children.isEmpty
            }
            return isDirectory ? children.sorted() : nil
        }
    }

    package func rename(_ source: String, to destination: String, mode: RenameMode, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("rename \(source) \(destination) \(mode)")
            func exists(_ path: String, in state: State) -> Bool {
                state.localFiles.contains(path) || state.statuses[path] != nil
            }
            guard exists(source, in: state) else { return ENOENT }
            // The destination's directory must exist, as for rename(2).
            let parent = Self.parent(of: destination)
            guard state.localFiles.contains(parent) || Self.isDirectory(parent, in: state) else { return ENOENT }
            switch mode {
            case .noReplace where exists(destination, in: state): return EEXIST
            case .exchange where !exists(destination, in: state): return ENOENT
            default: break
            }
            func move(_ from: String, _ to: String, in state: inout State) {
                for key in state.localFiles where key == from || key.hasPrefix(from + "/") {
                    state.localFiles.remove(key)
                    state.localFiles.insert(to + key.dropFirst(from.count))
                }
                for (key, value) in state.statuses where key == from || key.hasPrefix(from + "/") {
                    state.statuses.removeValue(forKey: key)
                    state.statuses[to + key.dropFirst(from.count)] = value
                }
                for (key, value) in state.fileContents where key == from || key.hasPrefix(from + "/") {
                    state.fileContents.removeValue(forKey: key)
                    state.fileContents[to + key.dropFirst(from.count)] = value
                }
                for (key, value) in state.treeEntries where key == from || key.hasPrefix(from + "/") {
                    state.treeEntries.removeValue(forKey: key)
                    state.treeEntries[to + key.dropFirst(from.count)] = value
                }
            }
            if mode == .exchange {
                let parking = source + ".exchange-parking"
                move(source, parking, in: &state)
                move(destination, source, in: &state)
                move(parking, destination, in: &state)
            } else {
                move(source, destination, in: &state)
            }
            return 0
        }
    }

    package func fsync(_ path: String, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("fsync \(path)")
            return state.localFiles.contains(path) || state.statuses[path] != nil ? 0 : ENOENT
        }
    }
}
