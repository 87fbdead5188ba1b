import Foundation
import JuiceCtl
import Testing

/// `nosuid`, `nodev` and `allow_other` on the real FUSE mount, as the kernel shows them in mountinfo.
@Suite("Mount options (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct MountOptionsTests {
    @Test("juicefs mounts nosuid,nodev,allow_other; a mount without them is remounted once; mount.suid and mount.dev lift them")
    func kernelOptionsConverge() async throws {
        try await TestVolume.with("ha-mount-flags") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            var fuse = try #require(volume.mountEntries().last { $0.mountPoint == volume.mountPath })
            #expect(
                fuse.mountOptions.split(separator: ",").contains("nosuid") && fuse.mountOptions.split(separator: ",").contains("nodev"),
                "\(fuse)")
            #expect(fuse.superOptions.split(separator: ",").contains("allow_other"), "\(fuse)")
            let pid = try #require(volume.mountConfig()["Pid"] as? Int)
            let commandLine = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
                .replacingOccurrences(of: "\0", with: " ")
            #expect(commandLine.contains("-o allow_other,nosuid,nodev "), "\(commandLine)")

            // A mount that honours set-user-ID and device files (as `-o suid,dev` leaves it): remounted, once.
            let loosen = try await Shell.run("/bin/mount", ["-o", "remount,bind,suid,dev", volume.mountPath])
            #expect(loosen.exitCode == 0, "\(loosen.transcript)")
            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("set-user-ID files take effect (no nosuid), and mount.suid is false"), "\(plan.stdout)")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            fuse = try #require(volume.mountEntries().last { $0.mountPoint == volume.mountPath })
            #expect(fuse.mountOptions.contains("nosuid") && fuse.mountOptions.contains("nodev"), "\(fuse)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0, "no loop of remounts")

            // Asked for: suid and dev.
            try volume.writeSpec("mount:\n  suid: true\n  dev: true\n")
            #expect(try await volume.juicectl("apply").exitCode == 0)
            fuse = try #require(volume.mountEntries().last { $0.mountPoint == volume.mountPath })
            #expect(!fuse.mountOptions.contains("nosuid") && !fuse.mountOptions.contains("nodev"), "\(fuse)")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
        }
    }
}
