import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

@testable import JuiceCtl

/// A `juicefs` that changes a ``FakeHost`` the way the real one changes a mounted volume:
///
/// - `clone --preserve SRC DST` copies the tree with new inodes (and fails like juicefs when DST exists or its
///   directory is missing);
/// - `rmr PATH` removes the tree;
/// - quotas are kept by the directory's inode, so that a quota follows its directory when it is renamed, and
///   `quota list` shows each one at its directory's current path.
///
/// Every command is also written into the host's call log as `run juicefs ARGS...`, so that a test can check the
/// order of commands and host calls in one timeline. Install it on the runner with ``install(on:)``; a rule added
/// later wins, so a test can still override one command (and call ``handle(_:)`` from its handler).
final class FakeJuiceFS: Sendable {
    struct Limit: Sendable, Hashable {
        var capacityGiB: String
        var inodes: String
    }

    let host: FakeHost
    let mountPath: String
    private let quotas = Mutex<[UInt64: Limit]>([:])

    init(host: FakeHost, mountPath: String) {
        self.host = host
        self.mountPath = mountPath
    }

    /// Answers every `juicefs` command of `runner`.
    func install(on runner: FakeCommandRunner) {
        runner.on(prefix: ["juicefs"]) { [self] command in handle(command) }
    }

    /// The answer to one command (logged in the host's call log).
    func handle(_ command: Command) -> CommandResult {
        let argv = FakeCommandRunner.argv(command)
        host.update { $0.calls.append("run " + argv.joined(separator: " ")) }
        let arguments = Array(argv.dropFirst())
        switch arguments.first {
        case "clone":
            guard arguments.count == 4, arguments[1] == "--preserve" else { return Self.fatal("clone: bad arguments \(arguments)") }
            switch host.copyTree(arguments[2], to: arguments[3]) {
            case 0: return .success()
            case EEXIST: return Self.fatal("clone: \(arguments[3]) already exists")
            default: return Self.fatal("clone: lookup \(arguments[2]): no such file or directory")
            }
        case "rmr":
            guard arguments.count == 2 else { return Self.fatal("rmr: bad arguments \(arguments)") }
            return host.removeTree(arguments[1]) ? .success() : Self.fatal("rmr \(arguments[1]): no such file or directory")
        case "quota":
            return quota(Array(arguments.dropFirst()))
        default:
            return Self.fatal("FakeJuiceFS does not know \(arguments)")
        }
    }

    /// Sets a quota on the directory at `volumePath` as if `juicefs quota set` had run earlier.
    func setQuota(_ volumePath: String, capacityGiB: String, inodes: String = "0") throws {
        let inode = try #require(host.inode(of: HostPath.join(mountPath, volumePath)), "no directory at \(volumePath)")
        quotas.withLock { $0[inode] = Limit(capacityGiB: capacityGiB, inodes: inodes) }
    }

    /// The quotas as `juicefs quota list` would show them now: by the current path of their directory.
    var quotaPaths: [String: Limit] {
        let byInode = quotas.withLock { $0 }
        var result: [String: Limit] = [:]
        for (inode, limit) in byInode {
            guard let path = host.path(ofInode: inode), path.hasPrefix(mountPath + "/") else { continue }
            result[String(path.dropFirst(mountPath.count))] = limit
        }
        return result
    }

    private func quota(_ arguments: [String]) -> CommandResult {
        guard let verb = arguments.first else { return Self.fatal("quota: bad arguments \(arguments)") }
        func value(_ flag: String) -> String? {
            arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        let path = value("--path") ?? ""
        let inode = host.inode(of: HostPath.join(mountPath, path))
        switch verb {
        case "set":
            guard let inode else { return Self.fatal("resolve dir \(path): no such file or directory") }
            quotas.withLock { $0[inode] = Limit(capacityGiB: value("--capacity") ?? "0", inodes: value("--inodes") ?? "0") }
            return .success(Self.table(quotaPaths.filter { $0.key == path }))
        case "delete":
            guard let inode else { return Self.fatal("resolve dir \(path): no such file or directory") }
            quotas.withLock { _ = $0.removeValue(forKey: inode) }
            return .success()
        case "get":
            guard inode != nil else { return Self.fatal("resolve dir \(path): no such file or directory") }
            return .success(Self.table(quotaPaths.filter { $0.key == path }))
        case "list":
            return .success(Self.table(quotaPaths))
        default:
            return Self.fatal("quota \(verb): unknown")
        }
    }

    /// A table in juicefs's layout (the columns ``JuiceFSOutput/quotaTable(_:source:)`` reads).
    private static func table(_ rows: [String: Limit]) -> String {
        var lines = [
            "+------+------+------+------+--------+-------+-------+",
            "| Path | Size | Used | Use% | Inodes | IUsed | IUse% |",
            "+------+------+------+------+--------+-------+-------+",
        ]
        for (path, limit) in rows.sorted(by: { $0.key < $1.key }) {
            let size = limit.capacityGiB == "0" ? "unchanged" : "\(limit.capacityGiB) GiB"
            let inodes = limit.inodes == "0" ? "unchanged" : limit.inodes
            lines.append("| \(path) | \(size) | 0 B | 0% | \(inodes) | 0 | |")
        }
        lines.append("+------+------+------+------+--------+-------+-------+")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func fatal(_ message: String) -> CommandResult {
        .failure(stderr: "2026/11/25 22:18:13.738510 juicefs[14899] <FATAL>: \(message) [main@main.go:31]\n")
    }
}

/// A value a handler captures while the code under test runs.
final class Captured<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    init() {}

    var value: Value? { storage.withLock { $0 } }

    func set(_ value: Value) { storage.withLock { $0 = value } }
}
