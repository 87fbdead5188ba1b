import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization
import Testing

/// What a tree-usage test sets up on a mounted volume: processes that hold something, bind mounts, directories.
/// ``tearDown()`` kills every process (SIGKILL, then waits for it) and detaches every mount it made, in reverse
/// order, before the volume goes; ``with(_:_:)`` calls it also when the test fails.
final class UsageScene: Sendable {
    let volume: TestVolume
    private let processes = Mutex<[Process]>([])
    private let mounts = Mutex<[String]>([])
    /// Grandchildren (started by a shell here): killed before the shells, which reap them.
    private let grandchildren = Mutex<[Int32]>([])

    init(_ volume: TestVolume) {
        self.volume = volume
    }

    /// `<mount>/active/fs`.
    var fs: String { "\(volume.mountPath)/active/fs" }
    /// A directory on local disk, inside the test's own directory.
    func local(_ name: String) -> String { "\(volume.root)/\(name)" }

    /// A volume named `name` (it must start with `usage-`), applied, with `/active/fs/sub` and
    /// `/checkpoints/x/sub` made; everything the scene made is gone afterwards.
    static func with(_ name: String, _ body: (UsageScene) async throws -> Void) async throws {
        precondition(name.hasPrefix("usage-"))
        try await TestVolume.with(name) { volume in
            let apply = try await volume.juicectl("apply")
            try #require(apply.exitCode == 0, "\(apply.transcript)")
            let scene = UsageScene(volume)
            for directory in ["\(scene.fs)/sub", "\(volume.mountPath)/checkpoints/x/sub"] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            do {
                try await body(scene)
            } catch {
                await scene.tearDown()
                throw error
            }
            await scene.tearDown()
        }
    }

    /// The query for `trees` of this volume: its device from mountinfo, its own mount left out.
    func query(_ trees: [String] = ["/active", "/checkpoints/x"], devices: [String: String] = [:]) throws -> TreeUsageQuery {
        let entry = try #require(volume.mountEntries().last { $0.mountPoint == volume.mountPath && $0.fstype == "fuse.juicefs" })
        return TreeUsageQuery(
            volumeDevice: entry.device, trees: trees, devices: devices,
            ownMounts: [.init(device: entry.device, mountPoint: volume.mountPath)])
    }

    /// Starts `executable ARGUMENTS...` in `directory` (its output discarded) and waits until its command line is
    /// `ready` (after an `exec`) or the file `readyFile` exists; its pid.
    @discardableResult
    func start(
        _ executable: String, _ arguments: [String], in directory: String = "/", ready: [String]? = nil,
        readyFile: String? = nil
    ) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        processes.withLock { $0.append(process) }
        let started = await Wait.until(timeout: .seconds(15)) {
            if let readyFile { return FileManager.default.fileExists(atPath: readyFile) }
            let words = LiveHost().commandLine(of: pid)
            return ready.map { words == $0 } ?? (words != nil)
        }
        try #require(started, "\(executable) \(arguments) did not get ready")
        return pid
    }

    /// `count` sleeping processes with their working directory in `directory`, started by one shell (which reaps
    /// them); their pids.
    func startMany(_ count: Int, in directory: String) async throws -> [Int32] {
        let list = local("pids-\(UUID().uuidString)")
        let script = "for i in $(seq \(count)); do (cd \"$0\" && exec /bin/sleep 1000) & echo $! >> \"$1\"; done; wait"
        try await start("/bin/sh", ["-c", script, directory, list])
        func pids() -> [Int32] {
            ((try? String(contentsOfFile: list, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
        }
        let started = await Wait.until(timeout: .seconds(60)) {
            pids().count == count && pids().allSatisfy { LiveHost().commandLine(of: $0) == ["/bin/sleep", "1000"] }
        }
        grandchildren.withLock { $0 += pids() }
        try #require(started, "only \(pids().count) of \(count) processes started")
        return pids()
    }

    /// `mount --bind source target` in the test's namespace (target is created).
    func bind(_ source: String, at target: String) async throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let result = try await Shell.run("/bin/mount", ["--bind", source, target])
        try #require(result.exitCode == 0, "\(result.transcript)")
        mounts.withLock { $0.append(target) }
    }

    /// A fresh tmpfs at `target` (created), a filesystem with a device of its own.
    func mountTmpfs(at target: String) async throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let result = try await Shell.run("/bin/mount", ["-t", "tmpfs", "\(volume.name)-tmpfs", target])
        try #require(result.exitCode == 0, "\(result.transcript)")
        mounts.withLock { $0.append(target) }
    }

    /// Kills one process started here and waits until it is gone.
    func stop(_ pid: Int32) async {
        guard
            let process = processes.withLock({ list in
                list.firstIndex { $0.processIdentifier == pid }.map { list.remove(at: $0) }
            })
        else { return }
        if process.isRunning { kill(pid, SIGKILL) }
        _ = await Wait.until(timeout: .seconds(10)) { !process.isRunning }
    }

    /// Detaches one mount made here.
    func unmount(_ target: String) async throws {
        let result = try await Shell.run("/bin/umount", [target])
        #expect(result.exitCode == 0, "\(result.transcript)")
        mounts.withLock { $0.removeAll { $0 == target } }
    }

    /// Every process killed, every mount detached, newest first.
    func tearDown() async {
        let orphans = grandchildren.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for pid in orphans { kill(pid, SIGKILL) }
        _ = await Wait.until(timeout: .seconds(10)) { orphans.allSatisfy { !LiveHost().isAlive($0) } }
        for pid in processes.withLock({ $0.map(\.processIdentifier) }).reversed() { await stop(pid) }
        for target in mounts.withLock({ $0 }).reversed() { _ = try? await Shell.run("/bin/umount", ["-l", target]) }
        mounts.withLock { $0.removeAll() }
    }

    /// The users that are this process.
    static func users(_ users: [TreeUser], pid: Int32) -> [TreeUser] {
        users.filter { $0.pid == pid }
    }

    /// The references of the users that are this process, by tree.
    static func references(_ users: [TreeUser], pid: Int32) -> [String: [TreeReference]] {
        var result: [String: [TreeReference]] = [:]
        for user in users {
            if case .process(pid, _, let references) = user.holder { result[user.tree, default: []] += references }
        }
        return result
    }
}
