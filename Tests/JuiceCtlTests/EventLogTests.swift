import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

@Suite("Event log")
struct EventLogTests {
    static func event(_ message: String, kind: VolumeEvent.Kind = .action, at time: Date = Date(timeIntervalSince1970: 1_800_000_000.125))
        -> VolumeEvent
    {
        VolumeEvent(
            time: time, volume: "fixvol", revision: "0123456789abcdef", actor: "cli", operation: "apply", kind: kind,
            action: kind == .action ? "set-quota" : nil, target: kind == .action ? "/active/fs" : nil,
            result: "done", message: message, durationMs: 42)
    }

    /// The lines of a file, without the empty string after the last newline.
    static func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 }
    }

    @Test func appendedEventsComeBackFromRecentInOrderWithEveryField() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: "\(base)/.juicectl", host: LiveHost())
            let first = Self.event("first")
            var second = Self.event("second", kind: .reconcile, at: Date(timeIntervalSince1970: 1_800_000_001.5))
            second.reason = "Converged"
            second.status = true
            second.condition = "Ready"

            #expect(log.append(first))
            #expect(log.append([second, Self.event("third")]))

            let recent = log.recent()
            #expect(recent == [first, second, Self.event("third")], "times keep their milliseconds, optional fields survive")
            #expect(log.recent(limit: 2).map(\.message) == ["second", "third"], "the newest, oldest first")
            #expect(log.path == "\(base)/.juicectl/events.jsonl")
            let lines = try Self.lines(log.path)
            #expect(lines.count == 3, "one line per event")
        }
    }

    @Test func appendingNothingWritesNothingAndSucceeds() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: "\(base)/.juicectl", host: LiveHost())
            #expect(log.append([]))
            #expect(!FileManager.default.fileExists(atPath: log.path))
            #expect(log.recent().isEmpty)
        }
    }

    @Test func rotationKeepsExactlyKeepRotatedFilesAndDropsTheOldest() async throws {
        try await withTemporaryDirectory { base in
            // Every line is larger than maxBytes: each append after the first rotates.
            let log = EventLog(stateDir: base, maxBytes: 64, keep: 2, host: LiveHost())
            for index in 1...5 { #expect(log.append(Self.event("event \(index)"))) }

            let files = try FileManager.default.contentsOfDirectory(atPath: base).filter {
                $0.hasPrefix("events.jsonl") && !$0.hasSuffix(".lock")
            }
            #expect(files.sorted() == ["events.jsonl", "events.jsonl.1", "events.jsonl.2"])
            let messages = try [log.path, log.path + ".1", log.path + ".2"].map {
                try Self.lines($0).compactMap { VolumeEvent.parse($0)?.message }
            }
            #expect(messages == [["event 5"], ["event 4"], ["event 3"]])
            #expect(log.recent().map(\.message) == ["event 3", "event 4", "event 5"], "events 1 and 2 were dropped with the oldest file")
            #expect(log.recent(limit: 2).map(\.message) == ["event 4", "event 5"])
        }
    }

    @Test func aFileBelowMaxBytesIsNotRotated() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: base, maxBytes: 1 << 20, keep: 3, host: LiveHost())
            for index in 1...10 { log.append(Self.event("event \(index)")) }

            #expect(!FileManager.default.fileExists(atPath: log.path + ".1"))
            #expect(log.recent().count == 10)
        }
    }

    @Test func concurrentAppendsNeverInterleave() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: "\(base)/.juicectl", host: LiveHost())
            let writers = 8
            let perWriter = 50
            let padding = String(repeating: "x", count: 200)
            let succeeded = await withTaskGroup(of: Int.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var ok = 0
                        for index in 0..<perWriter {
                            if log.append(Self.event("writer \(writer) event \(index) " + padding)) { ok += 1 }
                        }
                        return ok
                    }
                }
                return await group.reduce(0, +)
            }

            #expect(succeeded == writers * perWriter)
            let lines = try Self.lines(log.path)
            #expect(lines.count == writers * perWriter)
            let events = lines.compactMap(VolumeEvent.parse)
            #expect(events.count == writers * perWriter, "every line is one whole event")
            #expect(Set(events.map(\.message)).count == writers * perWriter, "none lost, none duplicated")
            for writer in 0..<writers {
                let own = events.map(\.message).filter { $0.hasPrefix("writer \(writer) ") }
                #expect(own == (0..<perWriter).map { "writer \(writer) event \($0) " + padding }, "each writer's events stay in its order")
            }
        }
    }

    @Test func aTornLastLineIsSkippedByRecent() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: base, host: LiveHost())
            log.append([Self.event("one"), Self.event("two")])
            // A crash in the middle of a write leaves half a line and no newline.
            let handle = try #require(FileHandle(forWritingAtPath: log.path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(Self.event("torn").jsonLine().prefix(40).utf8))
            try handle.close()

            #expect(log.recent().map(\.message) == ["one", "two"])
        }
    }

    @Test func anEventAppendedAfterATornLineIsStillReadable() async throws {
        try await withTemporaryDirectory { base in
            let log = EventLog(stateDir: base, host: LiveHost())
            log.append(Self.event("before"))
            let handle = try #require(FileHandle(forWritingAtPath: log.path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(Self.event("torn").jsonLine().prefix(40).utf8))
            try handle.close()

            #expect(log.append(Self.event("after")))

            #expect(log.recent().map(\.message) == ["before", "after"], "a crash loses at most the line being written")
        }
    }

    @Test func appendingWhereNothingCanBeWrittenReturnsFalse() async throws {
        try await withTemporaryDirectory { base in
            // A regular file where the state directory should be: no directory can be made under it, also as root.
            let blocker = "\(base)/not-a-directory"
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
            let log = EventLog(stateDir: "\(blocker)/.juicectl", host: LiveHost())

            #expect(!log.append(Self.event("lost")))
            #expect(!log.append([Self.event("a"), Self.event("b")]))
            #expect(log.recent().isEmpty)
        }
    }
}
