package import Foundation
internal import JuiceCtl

/// juicectl's own local files on the fake host (state, status, events, their locks): they live in
/// ``FakeHost/State/fileContents`` and ``FakeHost/State/localFiles``, like every local file the fake writes.
extension FakeHost {
    /// Writes like ``writeLocalFile(_:_:mode:)`` (durable or not: the fake has no power cut), logged as
    /// `writeLocalFile PATH`.
    package func writeLocalFile(_ path: String, _ data: Data, mode: UInt16, durable: Bool) throws {
        try writeLocalFile(path, data, mode: mode)
    }

    /// The length of the contents at `path`, `nil` when it has none.
    package func localFileSize(_ path: String) -> UInt64? {
        update { state in
            state.calls.append("localFileSize \(path)")
            return state.fileContents[path].map { UInt64($0.count) }
        }
    }

    /// Appends to the contents at `path` (a newline first when they do not end in one), logged as
    /// `appendLocalLines PATH`; always succeeds.
    package func appendLocalLines(_ path: String, _ data: Data, mode: UInt16) -> Bool {
        update { state in
            state.calls.append("appendLocalLines \(path)")
            var contents = state.fileContents[path] ?? Data()
            if let last = contents.last, last != UInt8(ascii: "\n") { contents.append(UInt8(ascii: "\n")) }
            contents.append(data)
            state.fileContents[path] = contents
            if state.fileModes[path] == nil { state.fileModes[path] = mode }
            state.localFiles.insert(path)
            return true
        }
    }

    /// Runs `body` (the fake has one process: nobody else holds the lock), logged as `lock PATH` and `unlock PATH`;
    /// the lock file exists afterwards.
    package func withLocalFileLock<T>(_ path: String, _ body: () -> T) -> T? {
        update { state in
            state.calls.append("lock \(path)")
            state.localFiles.insert(path)
        }
        defer { update { $0.calls.append("unlock \(path)") } }
        return body()
    }
}
