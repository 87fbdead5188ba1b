import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization
import Testing

/// A sandbox's cgroup made by a test: a cgroup v1 freezer or a cgroup v2 directory of its own, with processes the
/// test starts in it. ``remove()`` kills them, thaws the cgroup and removes it; ``with(_:_:)`` always calls it.
final class SandboxCgroup: Sendable {
    /// The interface.
    let version: CgroupVersion
    /// The cgroup's directory.
    let path: String
    private let processes = Mutex<[Process]>([])

    private init(version: CgroupVersion, name: String) {
        self.version = version
        path = version == .v1 ? "/sys/fs/cgroup/freezer/\(name)" : "/sys/fs/cgroup/unified/\(name)"
    }

    /// The file juicectl freezes through.
    var controlFile: String { version == .v1 ? "\(path)/freezer.state" : "\(path)/cgroup.freeze" }

    /// Whether every task is frozen, as the kernel reports it.
    var isFrozen: Bool {
        switch version {
        case .v1: return (try? String(contentsOfFile: controlFile, encoding: .utf8))?.hasPrefix("FROZEN") == true
        case .v2: return (try? String(contentsOfFile: "\(path)/cgroup.events", encoding: .utf8))?.contains("frozen 1") == true
        }
    }

    /// Whether the cgroup runs (not frozen, not freezing).
    var isThawed: Bool {
        switch version {
        case .v1: return (try? String(contentsOfFile: controlFile, encoding: .utf8))?.hasPrefix("THAWED") == true
        case .v2:
            return (try? String(contentsOfFile: controlFile, encoding: .utf8))?.hasPrefix("0") == true
                && (try? String(contentsOfFile: "\(path)/cgroup.events", encoding: .utf8))?.contains("frozen 0") == true
        }
    }

    /// Freezes it by hand (as a platform pausing the sandbox would).
    func freezeByHand() throws {
        try (version == .v1 ? "FROZEN" : "1").write(toFile: controlFile, atomically: false, encoding: .utf8)
    }

    /// Starts `executable ARGUMENTS...` and moves it into the cgroup (before it does anything: it waits for
    /// `go` to exist when the script supports it); its pid.
    @discardableResult
    func start(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.withLock { $0.append(process) }
        try "\(process.processIdentifier)".write(toFile: "\(path)/cgroup.procs", atomically: false, encoding: .utf8)
        return process.processIdentifier
    }

    /// Thaws, kills every process, waits for them, removes the cgroup.
    func remove() async {
        try? (version == .v1 ? "THAWED" : "0").write(toFile: controlFile, atomically: false, encoding: .utf8)
        let all = processes.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for process in all where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = await Wait.until(timeout: .seconds(10)) { all.allSatisfy { !$0.isRunning } }
        _ = await Wait.until(timeout: .seconds(10)) { rmdir(path) == 0 || errno == ENOENT }
    }

    /// Runs `body` with a fresh cgroup named after the test, always removed afterwards.
    static func with(_ version: CgroupVersion, _ name: String, _ body: (SandboxCgroup) async throws -> Void) async throws {
        let cgroup = SandboxCgroup(version: version, name: "juicectl-it-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: cgroup.path, withIntermediateDirectories: false)
        do {
            try await body(cgroup)
        } catch {
            await cgroup.remove()
            throw error
        }
        await cgroup.remove()
    }
}

/// A writer that keeps moving files between `A/` and `B/` of a directory, so that every file exists exactly once
/// at every instant. It logs its progress and every stall over 20 ms (wall-clock start, end) to files outside the
/// volume.
struct RenameWriter {
    static let script = """
        import os, sys, time
        base, progress, stalls = sys.argv[1], sys.argv[2], sys.argv[3]
        names = sorted(os.listdir(base + '/A'))
        log = open(stalls, 'a', buffering=1)
        ops, last = 0, time.time()
        while True:
            for name in names:
                a, b = base + '/A/' + name, base + '/B/' + name
                try:
                    os.rename(a, b)
                except FileNotFoundError:
                    os.rename(b, a)
                now = time.time()
                if now - last > 0.02:
                    log.write('%.6f %.6f\\n' % (last, now))
                last = now
                ops += 1
                if ops % 50 == 0:
                    with open(progress + '.tmp', 'w') as f:
                        f.write(str(ops))
                    os.replace(progress + '.tmp', progress)
        """

    let directory: String
    let progressFile: String
    let stallsFile: String
    let scriptFile: String

    /// Makes `count` files in `directory/A` and writes the script next to the logs, in `scratch`.
    init(directory: String, scratch: String, count: Int) throws {
        self.directory = directory
        progressFile = "\(scratch)/writer-progress"
        stallsFile = "\(scratch)/writer-stalls"
        scriptFile = "\(scratch)/writer.py"
        try FileManager.default.createDirectory(atPath: "\(directory)/A", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(directory)/B", withIntermediateDirectories: true)
        for index in 0..<count {
            _ = FileManager.default.createFile(atPath: "\(directory)/A/f\(index)", contents: Data("file \(index)\n".utf8))
        }
        try Self.script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
    }

    /// Operations done so far.
    var operations: Int { Int((try? String(contentsOfFile: progressFile, encoding: .utf8)) ?? "") ?? 0 }

    /// Stalls (start, end, in seconds since 1970) that overlap `window`.
    func stalls(overlapping window: ClosedRange<Double>) -> [(start: Double, end: Double)] {
        let text = (try? String(contentsOfFile: stallsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").compactMap { Double($0) }
            guard fields.count == 2, fields[1] >= window.lowerBound, fields[0] <= window.upperBound else { return nil }
            return (fields[0], fields[1])
        }
    }

    /// The names in a copy of the directory (`A` and `B`): every file must be in exactly one of them.
    static func invariantHolds(in copy: String, count: Int) -> (holds: Bool, missing: Int, doubled: Int) {
        let a = Set((try? FileManager.default.contentsOfDirectory(atPath: "\(copy)/A")) ?? [])
        let b = Set((try? FileManager.default.contentsOfDirectory(atPath: "\(copy)/B")) ?? [])
        let all = a.union(b)
        let missing = (0..<count).filter { !all.contains("f\($0)") }.count
        let doubled = a.intersection(b).count
        return (missing == 0 && doubled == 0 && all.count == count, missing, doubled)
    }
}
