import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// The overlay for container roots against real loop devices, ext4, overlayfs and juicefs, as root.
@Suite("Overlay (real juicefs, loop, ext4, overlayfs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct OverlayTests {
    /// A volume with an overlay over one lower directory holding `kept.txt` and `deleted.txt`.
    static func withOverlay(_ name: String, extra: String = "", _ body: (TestVolume, OverlayPaths) async throws -> Void) async throws {
        try await TestVolume.with(name) { volume in
            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            try Data("from the lower layer\n".utf8).write(to: URL(fileURLWithPath: "\(paths.lower)/kept.txt"))
            try Data("to be hidden\n".utf8).write(to: URL(fileURLWithPath: "\(paths.lower)/deleted.txt"))
            try volume.writeSpec(paths.spec + extra)
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            try await body(volume, paths)
        }
    }

    @Test("writes through the overlay land in the image's upper layer; lower files show; a deleted lower file is hidden")
    func overlayLayers() async throws {
        try await Self.withOverlay("ovl-layers") { volume, paths in
            let entries = volume.mountEntries()
            #expect(entries.contains { $0.mountPoint == paths.upperMount && $0.fstype == "ext4" && $0.source.hasPrefix("/dev/loop") })
            #expect(entries.contains { $0.mountPoint == paths.target && $0.fstype == "overlay" } || overlayMounted(paths.target))
            try Data("written through the overlay\n".utf8).write(to: URL(fileURLWithPath: "\(paths.target)/new.txt"))
            #expect(FileManager.default.contents(atPath: "\(paths.upperMount)/upper/new.txt") == Data("written through the overlay\n".utf8))
            #expect(FileManager.default.contents(atPath: "\(paths.target)/kept.txt") == Data("from the lower layer\n".utf8))
            try FileManager.default.removeItem(atPath: "\(paths.target)/deleted.txt")
            #expect(!FileManager.default.fileExists(atPath: "\(paths.target)/deleted.txt"))
            #expect(FileManager.default.fileExists(atPath: "\(paths.lower)/deleted.txt"), "the lower layer was changed")
            let whiteout = try FileManager.default.attributesOfItem(atPath: "\(paths.upperMount)/upper/deleted.txt")
            #expect(whiteout[.type] as? FileAttributeType == .typeCharacterSpecial, "no whiteout in the upper layer")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("a checkpoint taken while a writer appends through the overlay restores to a clean image holding a complete prefix")
    func checkpointUnderAWriterRestoresCleanly() async throws {
        try await Self.withOverlay("ovl-writer") { volume, paths in
            let log = "\(paths.target)/log.txt"
            let writer = SyncedAppender(path: log)
            let task = Task.detached { writer.run() }
            try await Task.sleep(for: .milliseconds(400))
            let before = writer.synced
            let create = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["busy"])
            let after = writer.synced
            writer.stop()
            await task.value
            #expect(create.exitCode == 0, "\(create.transcript)")
            #expect(create.stdout.contains("overlay image frozen for"), "\(create.stdout)")

            let image = "\(volume.mountPath)/checkpoints/busy/root-upper.img"
            let fsck = try await Shell.run("/sbin/e2fsck", ["-fn", image])
            #expect(fsck.exitCode == 0, "the checkpoint's image is not clean:\n\(fsck.transcript)")

            let restore = try await volume.juicectl("restore", spec: true, extra: ["busy"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            let lines = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false)
            let complete = lines.dropLast().map(String.init)
            #expect(lines.last == "", "the restored log ends in a torn line")
            #expect(complete == (0..<complete.count).map { "line \($0)" }, "the restored log is not a clean prefix")
            #expect(
                complete.count >= before && complete.count <= after,
                "restored \(complete.count) lines; \(before) were synced before the checkpoint began, \(after) when it ended")
            try Data("after restore\n".utf8).write(to: URL(fileURLWithPath: "\(paths.target)/after.txt"))
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    @Test("a failure injected after the freeze, and a kill -9 while frozen, both end with a writable overlay")
    func neverLeftFrozen() async throws {
        try await Self.withOverlay("ovl-frozen") { volume, paths in
            let failed = try await volume.juicectl(
                "checkpoint", "create", spec: true, extra: ["f1"],
                environment: ["JUICECTL_FAULT_AT": "overlay.after-freeze:fail"])
            #expect(failed.exitCode == 1, "\(failed.transcript)")
            #expect(try await writable(paths.target), "the overlay stayed frozen after a failure")
            #expect(!FileManager.default.fileExists(atPath: "\(volume.mountPath)/checkpoints/f1"))

            // Killed while frozen: its freeze watchdog thaws at once, with no further command.
            let killed = try await volume.juicectl(
                "checkpoint", "create", spec: true, extra: ["f2"],
                environment: ["JUICECTL_FAULT_AT": "overlay.after-freeze"])
            #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            #expect(await Wait.until(timeout: .seconds(5)) { (try? await writable(paths.target)) == true }, "the watchdog did not thaw")
            #expect(!FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/overlay-frozen"), "the watchdog left its marker")

            // Killed with its watchdog: the marker stays, status says so, and the next run thaws.
            try await volume.killInsideFreeze(
                ["checkpoint", "create", volume.specPath, "f2b"], at: "overlay.after-freeze", marker: "overlay-frozen")
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            let degraded = (status["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Degraded" }
            #expect(degraded?["reason"] as? String == "OverlayFrozen", "\(status)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("thaw overlay"), "\(apply.stdout)")
            #expect(try await writable(paths.target), "the next run did not thaw the overlay")
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["f3"]).exitCode == 0)
        }
    }

    @Test("an image whose superblock is overwritten is moved aside, reported and kept; recreate makes a fresh one")
    func corruptImageIsQuarantined() async throws {
        try await Self.withOverlay("ovl-corrupt") { volume, paths in
            // Take the overlay away, damage the image's superblock, ask for the overlay again.
            try volume.writeSpec("")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(!overlayMounted(paths.target))
            let image = "\(volume.mountPath)/active/root-upper.img"
            let damage = try await Shell.sh("dd if=/dev/zero of='\(image)' bs=1024 seek=1 count=8 conv=notrunc,fsync 2>&1")
            #expect(damage.exitCode == 0, "\(damage.transcript)")
            let size = try FileManager.default.attributesOfItem(atPath: image)[.size] as? Int
            try volume.writeSpec(paths.spec)

            let first = try await volume.juicectl("apply")
            #expect(first.exitCode == 1, "\(first.transcript)")
            #expect(first.stdout.contains("does not mount"), "\(first.stdout)")
            let second = try await volume.juicectl("apply")
            #expect(second.exitCode == 1, "\(second.transcript)")
            #expect(second.stdout.contains("quarantine image"), "\(second.stdout)")
            let quarantine = "\(volume.mountPath)/checkpoints/.juicectl/quarantine"
            let kept = (try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []
            #expect(kept.count == 1, "the image was not moved aside: \(second.transcript)")
            #expect(!FileManager.default.fileExists(atPath: image))
            if let name = kept.first {
                #expect(
                    try FileManager.default.attributesOfItem(atPath: "\(quarantine)/\(name)")[.size] as? Int == size,
                    "the kept image changed")
            }
            let status = try JSONOutput.firstVolume(try await volume.juicectl("status", "--json").stdout)
            let degraded = (status["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Degraded" }
            #expect(degraded?["status"] as? Bool == true && degraded?["reason"] as? String == "OverlayImageCorrupt", "\(status)")

            try volume.writeSpec(paths.spec + "  onCorrupt: recreate\n")
            let recreate = try await volume.juicectl("apply")
            #expect(recreate.exitCode == 0, "\(recreate.transcript)")
            #expect(FileManager.default.fileExists(atPath: image))
            #expect(
                ((try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []).count == 1, "the quarantined image was deleted")
            #expect(try await writable(paths.target))
        }
    }

    @Test("down takes the overlay, the image's mount and loop device, then the volume down, in that order, leaving nothing")
    func downInOrder() async throws {
        try await Self.withOverlay("ovl-down") { volume, paths in
            let loops = try await Shell.run("/sbin/losetup", ["-a"])
            #expect(loops.stdout.contains(volume.mountPath), "\(loops.stdout)")
            let down = try await volume.juicectl("down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            let order = ["unmount overlay \(paths.target)", "unmount upper \(paths.upperMount)", "unmount \(volume.mountPath)"]
            let positions = order.map { line in down.stdout.range(of: line)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil }, "\(down.stdout)")
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "wrong order:\n\(down.stdout)")
            #expect(volume.mountEntries().isEmpty)
            #expect(!overlayMounted(paths.target))
            let after = try await Shell.run("/sbin/losetup", ["-a"])
            #expect(!after.stdout.contains(volume.root), "a loop device is left: \(after.stdout)")
        }
    }

    @Test("an overlay under a base dir with a space converges, the image is mounted nosuid,nodev, and a second plan has nothing to do")
    func aBaseDirWithASpaceConverges() async throws {
        try await TestVolume.with("ha-ovl-space", baseDirName: "base dir") { volume in
            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            try Data("lower\n".utf8).write(to: URL(fileURLWithPath: "\(paths.lower)/kept.txt"))
            try volume.writeSpec(paths.spec)
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(
                mountinfo.contains("upperdir=\(paths.upperMount.replacingOccurrences(of: " ", with: "\\040"))/upper"),
                "the kernel escapes the space in the overlay's options")
            let entries = volume.mountEntries()
            let upper = try #require(entries.last { $0.mountPoint == paths.upperMount })
            #expect(
                upper.mountOptions.split(separator: ",").contains("nosuid") && upper.mountOptions.split(separator: ",").contains("nodev"),
                "\(upper.mountOptions)")
            let fuse = try #require(entries.last { $0.mountPoint == volume.mountPath })
            #expect(
                fuse.mountOptions.contains("nosuid") && fuse.mountOptions.contains("nodev") && fuse.superOptions.contains("allow_other"),
                "\(fuse)")
            let plan = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(plan.exitCode == 0, "a second plan replans nothing:\n\(plan.transcript)")
            #expect(FileManager.default.contents(atPath: "\(paths.target)/kept.txt") == Data("lower\n".utf8))
        }
    }

    @Test(
        "an image mount without nosuid,nodev (as an earlier juicectl made it) gets them in place: the overlay stays mounted, then converged"
    )
    func anEarlierImageMountGetsItsFlagsInPlace() async throws {
        try await TestVolume.with("ha-ovl-flags") { volume in
            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            try volume.writeSpec(paths.spec)
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let overlayBefore = try #require(volume.mountEntries().last { $0.mountPoint == paths.target })
            let loosen = try await Shell.run("/bin/mount", ["-o", "remount,bind,suid,dev", paths.upperMount])
            #expect(loosen.exitCode == 0, "\(loosen.transcript)")
            #expect(volume.mountEntries().last { $0.mountPoint == paths.upperMount }?.mountOptions.contains("nosuid") == false)

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("set nosuid,nodev in place"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let upper = try #require(volume.mountEntries().last { $0.mountPoint == paths.upperMount })
            #expect(upper.mountOptions.contains("nosuid") && upper.mountOptions.contains("nodev"), "\(upper.mountOptions)")
            #expect(volume.mountEntries().last { $0.mountPoint == paths.target }?.id == overlayBefore.id, "the overlay was not remounted")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }

    /// Whether a file can be written and synced at `directory` within 5 seconds (a frozen filesystem blocks).
    func writable(_ directory: String) async throws -> Bool {
        try await Shell.sh(
            "timeout 5 sh -c 'echo probe > \"\(directory)/.probe\" && sync -f \"\(directory)/.probe\" && rm \"\(directory)/.probe\"'"
        ).exitCode == 0
    }

    func overlayMounted(_ path: String) -> Bool {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return MountInfoParser.parse(text).contains { $0.mountPoint == path && $0.fstype == "overlay" }
    }
}

/// Paths of a test overlay.
struct OverlayPaths {
    let lower: String
    let target: String
    let upperMount: String
    let spec: String

    init(_ volume: TestVolume) {
        lower = "\(volume.root)/lower"
        target = "\(volume.root)/newroot"
        upperMount = "\(volume.mountPath)/root-upper"
        spec = "overlay:\n  imageSize: 256MiB\n  lowerDirs: [\"\(lower)\"]\n  target: \"\(target)\"\n"
    }
}

/// Appends numbered lines to a file, fsyncing each, and counts the synced ones, until stopped.
final class SyncedAppender: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var count = 0
    private var stopped = false

    init(path: String) { self.path = path }

    var synced: Int { lock.withLock { count } }
    func stop() { lock.withLock { stopped = true } }

    func run() {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        var index = 0
        while !lock.withLock({ stopped }) {
            handle.write(Data("line \(index)\n".utf8))
            try? handle.synchronize()
            index += 1
            lock.withLock { count = index }
        }
    }
}
