import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// Mount faults and changes against real mounts.
@Suite("Mount lifecycle (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct MountLifecycleTests {
    @Test("a killed juicefs mount is observed as stale and remounted by the next apply, fsync'd data intact")
    func killedMountIsRecovered() async throws {
        try await TestVolume.with("killed") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let file = "\(volume.mountPath)/active/fs/precious.txt"
            let content = Data((0..<100_000).map { UInt8($0 % 251) })
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            try handle.write(contentsOf: content)
            try handle.synchronize()
            try handle.close()

            let config = try volume.mountConfig()
            let pid = try #require(config["Pid"] as? Int32 ?? (config["Pid"] as? Int).map(Int32.init))
            let ppid = try #require(config["PPid"] as? Int32 ?? (config["PPid"] as? Int).map(Int32.init))
            kill(ppid, SIGKILL)
            kill(pid, SIGKILL)
            try await Task.sleep(for: .milliseconds(300))

            let status = try await volume.juicectl("status", "--json")
            #expect(status.exitCode == 3, "\(status.transcript)")
            let observed = try JSONOutput.firstVolume(status.stdout)
            let mount = (observed["observation"] as? [String: Any])?["mount"] as? [String: Any]
            #expect(mount?["state"] as? String == "stale", "\(status.stdout)")

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("recover stale mount"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(FileManager.default.contents(atPath: file) == content, "fsync'd data lost")
            #expect(volume.mountEntries().filter { $0.mountPoint == volume.mountPath }.count == 1)
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("a changed cache size is applied in place: a new client takes the session over and an open file keeps working")
    func hotOptionChangeRemountsInPlace() async throws {
        try await TestVolume.with("hotchange") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let before = try volume.mountConfig()["Pid"] as? Int
            let file = "\(volume.mountPath)/active/fs/open.log"
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            try handle.write(contentsOf: Data("before\n".utf8))

            try volume.writeSpec("mount:\n  cacheSize: 2GiB\n")
            let plan = try await volume.juicectl("plan", "--json")
            let actions = (try JSONOutput.firstVolume(plan.stdout)["actions"] as? [[String: Any]]) ?? []
            #expect(actions.map { $0["kind"] as? String } == ["remount-in-place"], "\(plan.stdout)")
            #expect(actions.first?["disruption"] as? String == "brief")

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let after = try volume.mountConfig()
            #expect(after["Pid"] as? Int != before)
            #expect((after["Chunk"] as? [String: Any])?["CacheSize"] as? Int == 2 << 30)
            try handle.write(contentsOf: Data("after\n".utf8))
            try handle.synchronize()
            try handle.close()
            #expect(String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) == "before\nafter\n")
            #expect(volume.mountEntries().filter { $0.mountPoint == volume.mountPath }.count == 1)
        }
    }

    @Test("a FUSE-level option change unmounts and mounts, and is refused without force while a file is open")
    func fuseOptionChangeNeedsAnIdleMount() async throws {
        try await TestVolume.with("fusechange") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try volume.writeSpec("mount:\n  options:\n    enable-xattr: true\n")
            let plan = try await volume.juicectl("plan", "--json")
            let actions = (try JSONOutput.firstVolume(plan.stdout)["actions"] as? [[String: Any]]) ?? []
            #expect(actions.map { $0["kind"] as? String } == ["remount"], "\(plan.stdout)")
            #expect(actions.first?["disruption"] as? String == "interrupting")

            let handle = try FileHandle(
                forWritingTo: URL(
                    fileURLWithPath: {
                        let path = "\(volume.mountPath)/active/fs/busy"
                        _ = FileManager.default.createFile(atPath: path, contents: nil)
                        return path
                    }()))
            let refused = try await volume.juicectl("apply")
            #expect(refused.exitCode == 1, "\(refused.transcript)")
            #expect(refused.stdout.contains("cannot unmount"), "\(refused.stdout)")
            #expect(volume.mountEntries().filter { $0.mountPoint == volume.mountPath }.count == 1, "the busy mount was disturbed")
            try handle.close()

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let fuse = try volume.mountConfig()["FuseOpts"] as? [String: Any]
            #expect(fuse?["DisableXAttrs"] as? Bool == false)
            #expect(volume.mountEntries().filter { $0.mountPoint == volume.mountPath }.count == 1)
        }
    }

    @Test("down leaves no mount and no juicefs process behind, is idempotent, and detaches a busy mount lazily")
    func downLeavesNothingMounted() async throws {
        try await TestVolume.with("down") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let config = try volume.mountConfig()
            let pids = [config["Pid"], config["PPid"]].compactMap { $0 as? Int }.map(Int32.init)

            let down = try await volume.juicectl("down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            #expect(volume.mountEntries().isEmpty)
            try await Task.sleep(for: .milliseconds(500))
            #expect(pids.allSatisfy { !LiveHost().isAlive($0) }, "juicefs processes still alive")

            let again = try await volume.juicectl("down")
            #expect(again.exitCode == 0)
            #expect(again.stdout.contains("Nothing to do"), "\(again.stdout)")

            // Busy: graceful unmount fails, down detaches lazily and says who holds it.
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let path = "\(volume.mountPath)/active/fs/held"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            // The client serves the open file after the detach, so Litestream goes on and down is not done (exit 1).
            let busy = try await volume.juicectl("down")
            #expect(busy.exitCode == 1, "\(busy.transcript)")
            #expect(busy.stdout.contains("detached") && busy.stdout.contains("\(getpid())"), "\(busy.stdout)")
            #expect(busy.stdout.contains("Litestream keeps replicating until it exits"), "\(busy.stdout)")
            #expect(volume.mountEntries().isEmpty)
            try handle.write(contentsOf: Data("still works".utf8))
            try handle.close()
            let done = await Wait.until(timeout: .seconds(30)) { (try? await volume.juicectl("down").exitCode) == 0 }
            #expect(done, "down did not complete once the file was closed")
        }
    }
}
