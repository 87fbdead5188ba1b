internal import Foundation
public import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// A volume's durable event log: JSON lines in `<baseDir>/.juicectl/events.jsonl`, each appended with one
/// `write(2)` under an `flock(2)` and fsynced, so that a crash loses at most the line being written and two writers
/// (the reconciler and a command) never interleave. The file is rotated at ``maxBytes`` into `events.jsonl.1` ...
/// `events.jsonl.<keep>`; the oldest is dropped.
public struct EventLog: Sendable {
    /// The current file.
    public let path: String
    /// Size at which the file is rotated.
    public var maxBytes: Int
    /// Rotated files kept.
    public var keep: Int

    /// The log of the volume whose state directory is `stateDir`.
    public init(stateDir: String, maxBytes: Int = 1 << 20, keep: Int = 5) {
        path = "\(stateDir)/events.jsonl"
        self.maxBytes = maxBytes
        self.keep = max(1, keep)
    }

    /// Appends `events` (in order); returns whether they were written. A log that cannot be written never stops
    /// the work it records.
    @discardableResult
    public func append(_ events: [VolumeEvent]) -> Bool {
        guard !events.isEmpty else { return true }
        let directory = (path as NSString).deletingLastPathComponent
        guard
            (try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])) != nil
        else { return false }
        let lockFD = open("\(path).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { return false }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX) == 0 else { return false }
        defer { flock(lockFD, LOCK_UN) }
        rotateIfNeeded()
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var data = Data(events.map { $0.jsonLine() + "\n" }.joined().utf8)
        // A line torn by a crash has no newline: end it first, or this write would be glued to it and lost too.
        var info = stat()
        var last: UInt8 = 0
        if fstat(fd, &info) == 0, info.st_size > 0, pread(fd, &last, 1, info.st_size - 1) == 1, last != UInt8(ascii: "\n") {
            data.insert(UInt8(ascii: "\n"), at: 0)
        }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return written == data.count && fsync(fd) == 0
    }

    /// Appends one event.
    @discardableResult
    public func append(_ event: VolumeEvent) -> Bool {
        append([event])
    }

    /// The newest `limit` events, oldest first, from the current file and as many rotated files as needed. Lines
    /// that do not parse (a line torn by a crash) are skipped.
    public func recent(limit: Int = 100) -> [VolumeEvent] {
        var events: [VolumeEvent] = []
        for file in [path] + (1...keep).map({ "\(path).\($0)" }) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let parsed = text.split(separator: "\n").compactMap(VolumeEvent.parse)
            events = parsed + events
            if events.count >= limit { break }
        }
        return Array(events.suffix(limit))
    }

    private func rotateIfNeeded() {
        var info = stat()
        guard stat(path, &info) == 0, Int(info.st_size) >= maxBytes else { return }
        unlink("\(path).\(keep)")
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
        }
        rename(path, "\(path).1")
    }
}
