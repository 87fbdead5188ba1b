package import Foundation
internal import JuiceCtl

/// The local-file calls of ``HostProbing``: existence, directories, reads, writes, replacements, moves, removals,
/// modification dates and sparse files, over ``FakeHost/State/localFiles`` and ``FakeHost/State/fileContents``.
extension FakeHost {
    package func fileExists(_ path: String) -> Bool {
        update { state in
            state.calls.append("fileExists \(path)")
            return state.localFiles.contains(path)
        }
    }

    package func createLocalDirectory(_ path: String, mode: UInt16) throws {
        let failure: String? = update { state in
            state.calls.append("createLocalDirectory \(path)")
            if let failure = state.localDirectoryFailures[path] { return failure }
            state.createdLocalDirectories.append(path)
            var current = path
            while current.count > 1 {
                state.localFiles.insert(current)
                current = Self.parent(of: current)
            }
            return nil
        }
        if let failure { throw FakeHostError(message: failure) }
    }

    package func contentsOfDirectory(_ path: String) -> [String]? {
        update { state in
            state.calls.append("contentsOfDirectory \(path)")
            let prefix = path.hasSuffix("/") ? path : path + "/"
            let children = Set(
                (Array(state.localFiles) + Array(state.fileContents.keys)).compactMap { entry -> String? in
                    guard entry.hasPrefix(prefix) else { return nil }
                    return entry.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
                })
            return children.isEmpty && !state.localFiles.contains(path) ? nil : children.sorted()
        }
    }

    package func readLocalFile(_ path: String) -> Data? {
        update { state in
            state.calls.append("readLocalFile \(path)")
            return state.fileContents[path]
        }
    }

    package func writeLocalFile(_ path: String, _ data: Data, mode: UInt16) throws {
        update { state in
            state.calls.append("writeLocalFile \(path)")
            state.fileContents[path] = data
            state.fileModes[path] = mode
            state.localFiles.insert(path)
            // A file written into a directory `stat` knows (on a fake volume) answers `stat` too, with a new inode:
            // an atomic write replaces the file.
            if Self.isDirectory(Self.parent(of: path), in: state) {
                state.statuses[path] = .found(inode: state.nextInode, isDirectory: false)
                state.nextInode += 1
            }
        }
    }

    package func replaceFile(_ path: String, with data: Data, mode: UInt16, deadline: Duration) async -> Int32 {
        update { state in
            state.calls.append("replaceFile \(path)")
            if let code = state.replaceFileResults[path], code != 0 { return code }
            state.fileContents[path] = data
            state.fileModes[path] = mode
            state.localFiles.insert(path)
            return 0
        }
    }

    package func moveLocalItem(_ source: String, to destination: String) throws {
        let missing: Bool = update { state in
            state.calls.append("moveLocalItem \(source) \(destination)")
            guard state.localFiles.contains(source) || state.fileContents[source] != nil else { return true }
            state.localFiles.remove(source)
            state.localFiles.insert(destination)
            state.fileContents[destination] = state.fileContents.removeValue(forKey: source)
            return false
        }
        if missing { throw FakeHostError(message: "no such file: \(source)") }
    }

    package func removeLocalItem(_ path: String) throws {
        let missing: Bool = update { state in
            state.calls.append("removeLocalItem \(path)")
            // Like FileManager.removeItem: the item and everything under it.
            return !Self.removeTree(path, in: &state)
        }
        if missing { throw FakeHostError(message: "no such file: \(path)") }
    }

    package func modificationDate(_ path: String) -> Date? {
        update { state in
            state.calls.append("modificationDate \(path)")
            return state.modificationDates[path]
        }
    }

    package func createSparseFile(_ path: String, size: UInt64) throws {
        let exists: Bool = update { state in
            state.calls.append("createSparseFile \(path) \(size)")
            if state.localFiles.contains(path) || state.statuses[path] != nil { return true }
            state.localFiles.insert(path)
            state.sparseFiles[path] = size
            state.statuses[path] = .found(inode: state.nextInode, isDirectory: false)
            state.nextInode += 1
            return false
        }
        if exists { throw FakeHostError(message: "\(path) already exists") }
    }
}
