import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A local user (`nobody`, through `setpriv`) plants links and swaps names where juicectl acts as root; juicectl
/// must never act through them. Victims are scratch files and directories beside the volume, never real ones.
@Suite(
    "Root among tenants: what nobody plants never turns juicectl's root actions (real juicefs, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct TenantAttackTests {
    /// Runs `script` with `sh -c` as uid/gid 65534.
    @discardableResult
    private func asNobody(_ script: String) async throws -> CommandResult {
        let setpriv = try #require(Prerequisites.setpriv)
        return try await Shell.run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", script])
    }

    private func mode(_ path: String) -> (mode: Int, owner: Int) {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1, (attributes[.ownerAccountID] as? NSNumber)?.intValue ?? -1)
    }

    /// Scratch victims outside the volume: a file with known bytes and an empty directory.
    private struct Victims {
        let directory: String
        let file: String
        let emptyDirectory: String
        let content = "precious bytes that juicectl must never touch\n"

        init(_ volume: TestVolume) throws {
            directory = "\(volume.root)/victims"
            file = "\(directory)/file"
            emptyDirectory = "\(directory)/empty"
            try FileManager.default.createDirectory(atPath: emptyDirectory, withIntermediateDirectories: true)
            try content.write(toFile: file, atomically: true, encoding: .utf8)
        }

        /// What is wrong with the victims, if anything.
        func damage() -> [String] {
            var found: [String] = []
            let now = (try? String(contentsOfFile: file, encoding: .utf8)) ?? "<unreadable>"
            if now != content { found.append("\(file) now holds \(now.debugDescription)") }
            let inside = (try? FileManager.default.contentsOfDirectory(atPath: emptyDirectory)) ?? ["<unlistable>"]
            if !inside.isEmpty { found.append("\(emptyDirectory) now holds \(inside)") }
            let top = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            if top != ["file", "empty"] { found.append("\(directory) now holds \(top.sorted())") }
            return found
        }
    }

    @Test(
        """
        with the mount reachable by nobody, a renamed /checkpoints full of planted links is a named conflict for apply, checkpoint, \
        restore, delete and an overlay apply; no victim changes
        """
    )
    func plantedCheckpointsAreNeverFollowed() async throws {
        try await TestVolume.with("ta-planted") { volume in
            let mount = "\(volume.root)/mnt"
            let mountKey = "mount:\n  path: \"\(mount)\"\n"
            try volume.writeSpec(mountKey)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: volume.root)
            let victims = try Victims(volume)

            let first = try await volume.juicectl("apply")
            #expect(first.exitCode == 0, "\(first.transcript)")
            #expect(first.stdout.contains("secure directory /"), "\(first.stdout)")
            #expect(mode(mount).mode == 0o755 && mode(mount).owner == 0, "the root right after format: \(mode(mount))")
            #expect(try await volume.juicectl("checkpoint", "create", extra: ["one"]).exitCode == 0)
            #expect(mode("\(mount)/checkpoints/.juicectl").mode == 0o700)
            #expect(mode("\(mount)/checkpoints/.juicectl/lineage.json").mode == 0o600)

            // A writer works in the tree throughout.
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: "/bin/sh")
            writer.arguments = ["-c", "i=0; while :; do i=$((i+1)); echo $i >> \(mount)/active/fs/log; sleep 0.02; done"]
            try writer.run()
            defer { kill(writer.processIdentifier, SIGKILL) }

            // The root drifts back to juicefs's 0777 (an older juicectl, another host), and nobody moves in.
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: mount)
            let plant = try await asNobody(
                """
                set -e
                cd \(mount)
                mv checkpoints checkpoints-real
                mkdir -p checkpoints/.juicectl/manifests
                ln -s \(victims.file) checkpoints/.juicectl/lock
                ln -s \(victims.file) checkpoints/.juicectl/lineage.json
                ln -s \(victims.file) checkpoints/.juicectl/restore.json
                ln -s \(victims.file) checkpoints/.juicectl/.lineage.json.tmp
                ln -s \(victims.file) checkpoints/.juicectl/manifests/one.json
                ln -s \(victims.emptyDirectory) checkpoints/.juicectl/staging
                ln -s \(victims.emptyDirectory) checkpoints/.juicectl/trash
                ln -s \(victims.emptyDirectory) checkpoints/one
                """)
            #expect(plant.exitCode == 0, "the attacker could not plant: \(plant.transcript)")

            let plan = try await volume.juicectl("plan")
            #expect(plan.stdout.contains("/checkpoints on the volume is owned by uid 65534, not root"), "\(plan.transcript)")
            #expect(plan.stdout.contains("secure directory /"), "\(plan.transcript)")

            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode != 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("/checkpoints on the volume is owned by uid 65534, not root"), "\(apply.transcript)")
            #expect(mode(mount).mode == 0o755, "apply puts the root back to 0755: \(mode(mount))")

            for words in [
                ["checkpoint", "create", volume.specPath, "two"], ["restore", volume.specPath, "one"],
                ["checkpoint", "delete", volume.specPath, "one"],
            ] {
                let result = try await Shell.run(Prerequisites.juicectl!, words)
                #expect(result.exitCode != 0, "\(words): \(result.transcript)")
                #expect(
                    (result.stdout + result.stderr).contains("/checkpoints on the volume is owned by uid 65534, not root"),
                    "\(words): \(result.transcript)")
            }

            // The shared lock other hosts take (Redis or PostgreSQL metadata), asked for directly: refused, not followed.
            await #expect(throws: VolumeCallFailure.self) {
                let lock = try await LiveHost().volumeLock(VolumeLayout.sharedLock, below: mount, operation: "test", timeout: .seconds(1))
                lock.release()
            }

            let paths = OverlayPaths(volume)
            try FileManager.default.createDirectory(atPath: paths.lower, withIntermediateDirectories: true)
            try volume.writeSpec(
                mountKey + "overlay:\n  imageSize: 256MiB\n  lowerDirs: [\"\(paths.lower)\"]\n  target: \"\(paths.target)\"\n")
            let overlay = try await volume.juicectl("apply")
            #expect(overlay.exitCode != 0, "\(overlay.transcript)")
            #expect(overlay.stdout.contains("/checkpoints on the volume is owned by uid 65534, not root"), "\(overlay.transcript)")
            #expect(!volume.mountEntries().contains { $0.fstype == "ext4" || $0.fstype == "overlay" }, "an overlay was mounted")

            // The image's loop device is attached to juicectl's own descriptor: a link where the image belongs is
            // refused, not attached (mount -o loop would have followed it).
            let image = "\(mount)/active/root-upper.img"
            try FileManager.default.createSymbolicLink(atPath: image, withDestinationPath: victims.file)
            let attached = await LiveHost().attachLoopDevice("/active/root-upper.img", below: mount, deadline: .seconds(10))
            if case .success(let loop) = attached { Issue.record("a loop device was attached through a link: \(loop.device)") }
            #expect(!LiveHost().loopDevices().contains { $0.backingFile == victims.file }, "the victim is behind a loop device")
            try FileManager.default.removeItem(atPath: image)

            #expect(victims.damage().isEmpty, "\(victims.damage())")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: volume.root).filter {
                !["base", "mnt", "spec.yaml", "victims", "lower"].contains($0)
            }
            #expect(leftovers.isEmpty, "created beside the volume: \(leftovers)")

            // The operator moves the planted tree away and the real one back: everything works again.
            try FileManager.default.removeItem(atPath: "\(mount)/checkpoints")
            try FileManager.default.moveItem(atPath: "\(mount)/checkpoints-real", toPath: "\(mount)/checkpoints")
            try volume.writeSpec(mountKey)
            let repaired = try await volume.juicectl("apply")
            #expect(repaired.exitCode == 0, "\(repaired.transcript)")
            let two = try await volume.juicectl("checkpoint", "create", extra: ["two"])
            #expect(two.exitCode == 0, "\(two.transcript)")
            #expect(victims.damage().isEmpty, "\(victims.damage())")
        }
    }

    @Test(
        """
        a Redis-metadata volume, whose checkpoints take the shared lock on the volume: a renamed /checkpoints with the lock planted \
        as a link to a victim refuses checkpoint create and delete; the victim keeps its bytes
        """
    )
    func redisSharedLockIsNeverFollowed() async throws {
        try Prerequisites.require()
        try await RedisServer().running { redis in
            try await TestVolume.with("ta-redis") { volume in
                let mount = "\(volume.root)/mnt"
                try FileManager.default.createDirectory(atPath: "\(volume.root)/secrets", withIntermediateDirectories: true)
                try LoopbackServers.writePrivate(redis.password, to: "\(volume.root)/secrets/meta-password")
                try volume.writeSpec(
                    """
                    mount:
                      path: "\(mount)"
                    metadata:
                      url: \(redis.url)
                      password: {file: \(volume.root)/secrets/meta-password}

                    """)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: volume.root)
                let victims = try Victims(volume)
                let apply = try await volume.juicectl("apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                let one = try await volume.juicectl("checkpoint", "create", extra: ["one"])
                #expect(one.exitCode == 0, "\(one.transcript)")
                #expect(
                    mode("\(mount)/checkpoints/.juicectl/lock").mode == 0o600,
                    "the shared lock: \(mode("\(mount)/checkpoints/.juicectl/lock"))")

                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: mount)
                let plant = try await asNobody(
                    """
                    set -e
                    cd \(mount)
                    mv checkpoints checkpoints-real
                    mkdir -p checkpoints/.juicectl
                    ln -s \(victims.file) checkpoints/.juicectl/lock
                    """)
                #expect(plant.exitCode == 0, "\(plant.transcript)")
                for words in [["checkpoint", "create", volume.specPath, "two"], ["checkpoint", "delete", volume.specPath, "one"]] {
                    let result = try await Shell.run(Prerequisites.juicectl!, words)
                    #expect(result.exitCode != 0, "\(words): \(result.transcript)")
                    #expect(
                        (result.stdout + result.stderr).contains("/checkpoints on the volume is owned by uid 65534, not root"),
                        "\(words): \(result.transcript)")
                }
                #expect(victims.damage().isEmpty, "\(victims.damage())")
                try FileManager.default.removeItem(atPath: "\(mount)/checkpoints")
                try FileManager.default.moveItem(atPath: "\(mount)/checkpoints-real", toPath: "\(mount)/checkpoints")
                let two = try await volume.juicectl("checkpoint", "create", extra: ["two"])
                #expect(two.exitCode == 0, "\(two.transcript)")
                #expect(victims.damage().isEmpty, "\(victims.damage())")
            }
        }
    }

    @Test(
        """
        a directory made on the volume while nobody swaps its parent with a link to outside by renameat2(RENAME_EXCHANGE), for 30 s: \
        nothing is created outside
        """
    )
    func renameExchangeRaceCreatesNothingOutside() async throws {
        try await TestVolume.with("ta-race") { volume in
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            let victims = try Victims(volume)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: volume.root)
            try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: volume.baseDir)
            let tenant = "\(volume.mountPath)/active/fs"
            try FileManager.default.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: tenant)
            let swapper = """
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                os.chdir(sys.argv[1])
                os.mkdir("x")
                os.symlink(sys.argv[2], "y")
                AT_FDCWD = -100
                while True:
                    libc.renameat2(AT_FDCWD, b"x", AT_FDCWD, b"y", 2)
                """
            let script = "\(volume.root)/swap.py"
            try swapper.write(toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script)
            let setpriv = try #require(Prerequisites.setpriv)
            let attacker = Process()
            attacker.executableURL = URL(fileURLWithPath: setpriv)
            attacker.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", script, tenant, victims.emptyDirectory,
            ]
            try attacker.run()
            defer { kill(attacker.processIdentifier, SIGKILL) }
            try await Task.sleep(for: .milliseconds(500))

            let host = LiveHost()
            let clock = ContinuousClock()
            let end = clock.now + .seconds(30)
            var made = 0
            var refused = 0
            var attempt = 0
            while clock.now < end {
                attempt += 1
                switch await host.makeVolumeDirectory(
                    "/active/fs/x/made-\(attempt)", mode: 0o755, below: volume.mountPath, deadline: .seconds(5))
                {
                case .done: made += 1
                default: refused += 1
                }
            }
            kill(attacker.processIdentifier, SIGKILL)
            attacker.waitUntilExit()
            #expect(victims.damage().isEmpty, "\(victims.damage())")
            // Both outcomes happened: the race was real, and juicectl's mkdirat only ever landed on the volume.
            #expect(made > 0 && refused > 0, "made \(made), refused \(refused) of \(attempt)")
            let onVolume =
                (try FileManager.default.contentsOfDirectory(atPath: "\(tenant)/x"))
                + ((try? FileManager.default.contentsOfDirectory(atPath: "\(tenant)/y")) ?? [])
            #expect(onVolume.filter { $0.hasPrefix("made-") }.count == made, "made \(made), found \(onVolume.count)")
        }
    }

    @Test(
        """
        stale-mount recovery leaves a directory tree nobody planted at /tmp/state<pid>.json, with a link swapped in meanwhile, and \
        removes root's own leftover
        """
    )
    func plantedTemporaryTreeSurvivesStaleRecovery() async throws {
        try await TestVolume.with("ta-tmp") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let victims = try Victims(volume)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: volume.root)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: victims.directory)
            // Two pids of processes that have exited: one for nobody's tree, one for a leftover of root's own.
            let dead = try await Shell.sh("sh -c 'echo $$'; sh -c 'echo $$'").stdout.split(separator: "\n").compactMap { Int32($0) }
            #expect(dead.count == 2)
            let planted = "/tmp/state\(dead[0]).json"
            let rootLeftover = "/tmp/state\(dead[1]).json"
            defer {
                try? FileManager.default.removeItem(atPath: planted)
                try? FileManager.default.removeItem(atPath: rootLeftover)
            }
            try Data("{}".utf8).write(to: URL(fileURLWithPath: rootLeftover))
            let setpriv = try #require(Prerequisites.setpriv)
            let swapper = Process()
            swapper.executableURL = URL(fileURLWithPath: setpriv)
            swapper.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                """
                mkdir -p \(planted)/sub && touch \(planted)/sub/f
                while :; do
                  mv \(planted)/sub \(planted)/held 2>/dev/null; ln -s \(victims.directory) \(planted)/sub 2>/dev/null
                  rm -f \(planted)/sub; mv \(planted)/held \(planted)/sub 2>/dev/null
                done
                """,
            ]
            try swapper.run()
            defer { kill(swapper.processIdentifier, SIGKILL) }
            try await Task.sleep(for: .milliseconds(300))

            // The client dies: the mount answers ENOTCONN and apply recovers it.
            _ = try await Shell.sh("pkill -9 -f '[j]uicefs.*\(volume.root)' || true")
            try await Task.sleep(for: .milliseconds(500))
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(apply.stdout.contains("recover stale mount"), "\(apply.stdout)")
            kill(swapper.processIdentifier, SIGKILL)
            swapper.waitUntilExit()

            #expect(victims.damage().isEmpty, "\(victims.damage())")
            #expect(FileManager.default.fileExists(atPath: planted), "nobody's tree was removed by path")
            #expect(!FileManager.default.fileExists(atPath: rootLeftover), "root's own leftover of a dead supervisor stays")
        }
    }
}
