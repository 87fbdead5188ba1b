internal import Foundation
package import JuiceCtlCore

/// A volume's durable event log: JSON lines in `<baseDir>/.juicectl/events.jsonl`, each appended with one
/// `write(2)` under an `flock(2)` and fsynced, so that a crash loses at most the line being written and two writers
/// (the reconciler and a command) never interleave. The file is rotated at ``maxBytes`` into `events.jsonl.1` ...
/// `events.jsonl.<keep>`; the oldest is dropped. Every file is reached through a ``HostProbing``.
package struct EventLog: Sendable {
    /// The current file.
    package let path: String
    /// Size at which the file is rotated.
    package var maxBytes: Int
    /// Rotated files kept.
    package var keep: Int
    /// Where the files are read and written.
    let host: any HostProbing

    /// The log of the volume whose state directory is `stateDir`, on `host`.
    package init(stateDir: String, maxBytes: Int = 1 << 20, keep: Int = 5, host: any HostProbing) {
        path = "\(stateDir)/events.jsonl"
        self.maxBytes = maxBytes
        self.keep = max(1, keep)
        self.host = host
    }

    /// Appends `events` (in order); returns whether they were written. A log that cannot be written never stops
    /// the work it records.
    @discardableResult
    package func append(_ events: [VolumeEvent]) -> Bool {
        guard !events.isEmpty else { return true }
        guard (try? host.createLocalDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)) != nil else { return false }
        let data = Data(events.map { $0.jsonLine() + "\n" }.joined().utf8)
        // A line torn by a crash has no newline: the append ends it first, or this one would be glued to it and lost too.
        return host.withLocalFileLock("\(path).lock") {
            rotateIfNeeded()
            return host.appendLocalLines(path, data, mode: 0o600)
        } ?? false
    }

    /// Appends one event.
    @discardableResult
    package func append(_ event: VolumeEvent) -> Bool {
        append([event])
    }

    /// The newest `limit` events, oldest first, from the current file and as many rotated files as needed. Lines
    /// that do not parse (a line torn by a crash) are skipped.
    package func recent(limit: Int = 100) -> [VolumeEvent] {
        var events: [VolumeEvent] = []
        for file in [path] + (1...keep).map({ "\(path).\($0)" }) {
            guard let data = host.readLocalFile(file), let text = String(data: data, encoding: .utf8) else { continue }
            let parsed = text.split(separator: "\n").compactMap(VolumeEvent.parse)
            events = parsed + events
            if events.count >= limit { break }
        }
        return Array(events.suffix(limit))
    }

    private func rotateIfNeeded() {
        guard let size = host.localFileSize(path), size >= UInt64(max(0, maxBytes)) else { return }
        // Oldest first, so that no move finds its destination taken.
        try? host.removeLocalItem("\(path).\(keep)")
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) {
                try? host.moveLocalItem("\(path).\(index)", to: "\(path).\(index + 1)")
            }
        }
        try? host.moveLocalItem(path, to: "\(path).1")
    }
}
