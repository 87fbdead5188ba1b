import Foundation
import JuiceCtl
import Testing

/// What juicectl writes is for root alone, it refuses to change the host without root, and it never follows a
/// symbolic link planted on the volume out of it.
@Suite("Least privilege and path safety (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct LeastPrivilegeTests {
    private func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("state, configuration, pid, lock, events, status and logs are 0600 in 0700 directories; cache and objects are 0700")
    func filesAreForRootAlone() async throws {
        try await TestVolume.with("lp-modes") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["one"]).exitCode == 0)
            let base = volume.baseDir
            // (The replica directory is Litestream's, made 0700 at its first sync.)
            for directory in [base, "\(base)/.juicectl", "\(base)/logs", "\(base)/cache", "\(base)/objects"] {
                let found = try mode(directory)
                #expect(found == 0o700, "\(directory) is \(String(found, radix: 8))")
            }
            let state = try FileManager.default.contentsOfDirectory(atPath: "\(base)/.juicectl")
            #expect(state.contains("state.json") && state.contains("litestream.yml") && state.contains("lock"), "\(state)")
            for name in state where name != "litestream.sock" {
                let found = try mode("\(base)/.juicectl/\(name)")
                #expect(found == 0o600, "\(name) is \(String(found, radix: 8))")
            }
            for log in ["juicefs.log", "litestream.log"] {
                let found = try mode("\(base)/logs/\(log)")
                #expect(found == 0o600, "\(log) is \(String(found, radix: 8))")
            }
        }
    }

    @Test(
        """
        after a run with backup, overlay, checkpoints, a restore and the daemon, every file under the base dir is 0600 and every \
        directory 0700, juicefs's objects and cache lock inside 0700 directories
        """
    )
    func everythingUnderTheBaseDirIsForRootAlone() async throws {
        try await TestVolume.with("lp-everything") { volume in
            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            try volume.writeSpec(paths.spec + "checkpoints:\n  retain: {last: 3}\n")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(volume.mountPath)/active/fs/file"))
            #expect(try await volume.juicectl("checkpoint", "create", extra: ["one"]).exitCode == 0)
            let restore = try await volume.juicectl("restore", extra: ["one"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            try await DaemonProcess.with([volume.specPath, "--interval", "1s"], logPath: "\(volume.root)/run.log") { _ in
                #expect(await Wait.until(timeout: .seconds(30)) { volume.runStatus != nil }, "the daemon wrote no status")
            }
            var loose: [String] = []
            let base = volume.baseDir
            let enumerator = try #require(FileManager.default.enumerator(atPath: base))
            while let relative = enumerator.nextObject() as? String {
                let path = "\(base)/\(relative)"
                // The FUSE mount and the image's mount are the volume's own tree, not files under the base dir.
                if path == volume.mountPath || path.hasPrefix(volume.mountPath + "/") {
                    enumerator.skipDescendants()
                    continue
                }
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                let type = attributes[.type] as? FileAttributeType
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
                let owner = (attributes[.ownerAccountID] as? NSNumber)?.intValue ?? -1
                if owner != 0 { loose.append("\(relative) owned by \(owner)") }
                // juicefs's mount process sets its own umask to 0 (it applies each caller's): its local objects and
                // the cache's lock file come out 0666/0777. They stay unreachable: their directories are 0700.
                if relative.hasPrefix("objects/") || relative.hasSuffix("/.lock") && relative.hasPrefix("cache/") { continue }
                switch type {
                case .typeDirectory?: if mode & 0o077 != 0 { loose.append("\(relative)/ is \(String(mode, radix: 8))") }
                case .typeSocket?, .typeSymbolicLink?: break
                default: if mode & 0o077 != 0 { loose.append("\(relative) is \(String(mode, radix: 8))") }
                }
            }
            #expect(loose.isEmpty, "\(loose)")
            for directory in [base, "\(base)/objects", "\(base)/cache", "\(base)/replica", "\(base)/.juicectl", "\(base)/logs"] {
                let found = try mode(directory)
                #expect(found == 0o700, "\(directory) is \(String(found, radix: 8))")
            }
            let state = try FileManager.default.contentsOfDirectory(atPath: "\(base)/.juicectl")
            #expect(state.contains("status.json") && state.contains("state.json"), "\(state)")
            #expect(try mode("\(volume.mountPath)/checkpoints/.juicectl") == 0o700)
        }
    }

    @Test("apply, checkpoint, restore, down, run, plan and status refuse to start without root, say so, and change nothing; validate works")
    func refusesWithoutRoot() async throws {
        try await TestVolume.with("lp-nonroot") { volume in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: volume.root)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: volume.specPath)
            let setpriv = try #require(Prerequisites.setpriv)
            let spec = volume.specPath
            for words in [
                ["apply", spec], ["checkpoint", "create", spec, "x"], ["checkpoint", "delete", spec, "x"], ["restore", spec, "x"],
                ["down", spec], ["run", spec], ["plan", spec], ["status", spec], ["checkpoint", "list", spec],
            ] {
                let arguments = words.filter { $0 != spec }
                let result = try await Shell.run(
                    setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", Prerequisites.juicectl!] + words)
                #expect(result.exitCode != 0, "\(arguments): \(result.transcript)")
                #expect(result.stderr.contains("must run as root"), "\(arguments): \(result.transcript)")
            }
            #expect(!FileManager.default.fileExists(atPath: volume.baseDir), "something was created")
            let validate = try await Shell.run(
                setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", Prerequisites.juicectl!, "validate", volume.specPath])
            #expect(validate.exitCode == 0, "validate needs no root: \(validate.transcript)")
        }
    }

    @Test("a quota directory whose parent on the volume is a symbolic link out of it is refused; nothing is created outside")
    func symbolicLinkOnTheVolumeIsNotFollowed() async throws {
        try await TestVolume.with("lp-symlink") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let outside = "\(volume.root)/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            // Someone with write access to the volume swaps /active/fs for a link to this host's filesystem.
            try FileManager.default.removeItem(atPath: "\(volume.mountPath)/active/fs")
            try FileManager.default.createSymbolicLink(atPath: "\(volume.mountPath)/active/fs", withDestinationPath: outside)
            try volume.writeSpec("quotas:\n  - path: /active/fs/projects\n    capacity: 1GiB\n")
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode != 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("/active/fs on the volume is a symbolic link"), "\(apply.transcript)")
            #expect(!FileManager.default.fileExists(atPath: "\(outside)/projects"), "juicectl created a directory outside the volume")
        }
    }

    @Test("an overlay mount point on the volume that is a symbolic link is refused; nothing is mounted where it points")
    func overlayUpperMountLinkIsNotFollowed() async throws {
        try await TestVolume.with("lp-upper-link") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            let elsewhere = "\(volume.root)/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: paths.upperMount, withDestinationPath: elsewhere)
            try volume.writeSpec(paths.spec)
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode != 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("/root-upper on the volume is a symbolic link"), "\(apply.transcript)")
            let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(!mounts.contains(elsewhere), "the image was mounted where the link points")
        }
    }
}
