import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Restores of a tree in use and checkpoints in use, with real processes, bind mounts and mount namespaces: the
/// restore refuses naming them and changes nothing, `--terminate-users` ends them first, and retention keeps a
/// replaced tree an old bind mount still shows.
@Suite("Restore of a tree in use (real juicefs, mount namespaces)", .serialized, .enabled(if: Prerequisites.enabled))
struct RestoreInUseTests {
    /// A volume with `active/fs/sub`, `active/fs/state.txt` ("live") and checkpoint `v1` of a tree whose state is "v1".
    static func with(_ name: String, extra: String = "", _ body: (UsageScene) async throws -> Void) async throws {
        try await TestVolume.with(name, extra: extra) { volume in
            try #require(try await volume.juicectl("apply").exitCode == 0)
            let scene = UsageScene(volume)
            try FileManager.default.createDirectory(atPath: "\(scene.fs)/sub", withIntermediateDirectories: true)
            try "v1\n".write(toFile: "\(scene.fs)/state.txt", atomically: false, encoding: .utf8)
            let checkpoint = try await volume.juicectl("checkpoint", "create", extra: ["v1"])
            try #require(checkpoint.exitCode == 0, "\(checkpoint.transcript)")
            try "live\n".write(toFile: "\(scene.fs)/state.txt", atomically: false, encoding: .utf8)
            do {
                try await body(scene)
            } catch {
                await scene.tearDown()
                throw error
            }
            await scene.tearDown()
        }
    }

    static func activeInode(_ scene: UsageScene) throws -> UInt64 {
        try #require((try FileManager.default.attributesOfItem(atPath: "\(scene.volume.mountPath)/active"))[.systemFileNumber] as? UInt64)
    }

    static func state(_ scene: UsageScene) -> String? {
        try? String(contentsOfFile: "\(scene.fs)/state.txt", encoding: .utf8)
    }

    /// `restore v1` is refused naming `expected`, and /active is untouched.
    static func refused(
        _ scene: UsageScene, naming expected: [String], extra: [String] = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let before = try activeInode(scene)
        let result = try await scene.volume.juicectl("restore", extra: ["v1"] + extra)
        #expect(result.exitCode == 1, "\(result.transcript)", sourceLocation: sourceLocation)
        #expect(result.stdout.contains("/active is in use, so nothing was restored"), "\(result.stdout)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(result.stdout.contains(text), "'\(text)' not named in \(result.stdout)", sourceLocation: sourceLocation)
        }
        #expect(try activeInode(scene) == before, "/active was swapped", sourceLocation: sourceLocation)
        #expect(state(scene) == "live\n", sourceLocation: sourceLocation)
    }

    /// A process in a mount namespace of its own (`unshare -m`) that bind-mounts `active/fs` there and sleeps: its pid,
    /// and the mount point (as that namespace names it).
    static func bindInOwnNamespace(_ scene: UsageScene) async throws -> (pid: Int32, mountPoint: String) {
        let ready = scene.local("ns-ready")
        let inner = scene.local("ns-bind")
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        let pid = try await scene.start(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind \"$0\" \"$1\" && touch \"$2\" && exec /bin/sleep 1000",
                scene.fs, inner, ready,
            ], readyFile: ready)
        return (pid, inner)
    }

    @Test(
        """
        a restore is refused, naming them, while a process works in active/fs, holds a file open, or a bind mount shows it, here or \
        in another namespace
        """
    )
    func everyKindOfUserRefusesTheRestore() async throws {
        try await Self.with("inuse-refused") { scene in
            let cwd = try await scene.start("/bin/sleep", ["1000"], in: "\(scene.fs)/sub")
            try await Self.refused(scene, naming: ["pid \(cwd) (/bin/sleep 1000): working directory /active/fs/sub"])
            await scene.stop(cwd)

            let open = try await scene.start(
                "/bin/sh", ["-c", "exec /bin/sleep 1000 < \"$0\"", "\(scene.fs)/state.txt"],
                ready: ["/bin/sleep", "1000"])
            try await Self.refused(scene, naming: ["pid \(open)", "open file /active/fs/state.txt"])
            await scene.stop(open)

            let bind = scene.local("bind")
            try await scene.bind(scene.fs, at: bind)
            try await Self.refused(scene, naming: ["mount at \(bind) in juicectl's mount namespace of /active/fs"])
            try await Self.refused(scene, naming: ["mount at \(bind)", "Unmount those mounts first"], extra: ["--terminate-users"])
            try await scene.unmount(bind)

            let (unshare, inner) = try await Self.bindInOwnNamespace(scene)
            try await Self.refused(scene, naming: ["mount at \(inner) in mount namespace", "of pid \(unshare)"])
            await scene.stop(unshare)

            let restore = try await scene.volume.juicectl("restore", extra: ["v1"])
            #expect(restore.exitCode == 0, "once nothing uses it, the restore runs: \(restore.transcript)")
            #expect(Self.state(scene) == "v1\n")
        }
    }

    @Test("--terminate-users ends the processes that use /active, in this and in another mount namespace, and then restores")
    func terminateUsersRestoresOnceTheUsersAreGone() async throws {
        try await Self.with("inuse-terminate") { scene in
            let cwd = try await scene.start("/bin/sleep", ["1000"], in: "\(scene.fs)/sub")
            // A process that ignores SIGTERM: SIGKILL after the grace.
            let stubborn = try await scene.start(
                "/bin/sh", ["-c", "trap '' TERM; cd \"$0\" && while :; do sleep 1; done", "\(scene.fs)/sub"])
            let (unshare, _) = try await Self.bindInOwnNamespace(scene)

            let result = try await scene.volume.juicectl("restore", "--json", extra: ["v1", "--terminate-users", "--grace", "1s"])

            #expect(result.exitCode == 0, "\(result.transcript)")
            let details = try JSONOutput.firstVolume(result.stdout)["results"] as? [[String: Any]] ?? []
            let terminated = Set((details.last?["details"] as? [String: Any])?["terminatedPIDs"] as? [Int32] ?? [])
            #expect(terminated.isSuperset(of: [cwd, stubborn, unshare]), "\(result.stdout)")
            for pid in [cwd, stubborn, unshare] { #expect(!LiveHost().isAlive(pid), "pid \(pid) still runs") }
            #expect(Self.state(scene) == "v1\n")
        }
    }

    @Test("a replaced tree still shown by a bind mount is kept by retention; once the mount is gone it is pruned")
    func retentionKeepsAPreRestoreTreeInUse() async throws {
        try await Self.with("inuse-retention", extra: "checkpoints:\n  retain:\n    last: 1\n") { scene in
            let volume = scene.volume
            try #require(try await volume.juicectl("restore", extra: ["v1"]).exitCode == 0)
            try await Task.sleep(for: .seconds(1.1))
            try #require(try await volume.juicectl("restore", extra: ["v1"]).exitCode == 0)
            let listing = try JSONOutput.object(try await volume.juicectl("checkpoint", "list", "--json").stdout)
            let names = (listing["checkpoints"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.filter {
                $0.hasPrefix("pre-restore-")
            }
            try #require(names.count == 2, "\(names)")
            let older = names.sorted()[0]
            let bind = scene.local("old-tree")
            try await scene.bind("\(volume.mountPath)/checkpoints/\(older)/fs", at: bind)

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("= kept \(older): retention would remove it"), "\(plan.stdout)")
            #expect(plan.stdout.contains("mount at \(bind)"), "\(plan.stdout)")
            #expect(!plan.stdout.contains("delete-checkpoint") && !plan.stdout.contains("- checkpoint"), "\(plan.stdout)")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/\(older)"), "a tree in use was pruned")
            let delete = try await volume.juicectl("checkpoint", "delete", extra: [older])
            #expect(delete.exitCode == 1 && delete.stdout.contains("is kept: mount at \(bind)"), "\(delete.transcript)")

            try await scene.unmount(bind)
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(!FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/\(older)"), "\(apply.stdout)")
        }
    }
}
