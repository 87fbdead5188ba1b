import Foundation
import JuiceCtl
import Testing

/// S3 object storage, Redis and PostgreSQL metadata, and one volume mounted by two "hosts" (two base directories
/// and mount points), against real servers on loopback.
@Suite("S3, Redis and PostgreSQL (real servers on loopback, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct SharedEngineTests {
    /// The secrets of one test, in files under its directory (mode 0600) and one in the environment.
    struct Secrets {
        var files: [String: String] = [:]
        var environment: [String: String] = [:]
        var values: [String] { Array(files.values) + Array(environment.values) }

        func write(under directory: String) throws {
            try FileManager.default.createDirectory(atPath: "\(directory)/secrets", withIntermediateDirectories: true)
            for (name, value) in files {
                let path = "\(directory)/secrets/\(name)"
                try (value + "\n").write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o600)
            }
        }
    }

    enum Storage { case local, s3 }
    enum Engine { case sqlite, redis, postgres }

    /// Starts what a combination needs, and returns the spec keys (with secrets by reference) and the secrets.
    private func endpoints(
        _ engine: Engine, _ storage: Storage, name: String, root: String,
        servers: inout [any LoopbackServer]
    ) async throws -> (yaml: String, secrets: Secrets) {
        var secrets = Secrets()
        var yaml = ""
        if storage == .s3 {
            let gateway = try S3Gateway()
            servers.append(gateway)
            try await gateway.start()
            secrets.files["secret-key"] = gateway.secretKey
            secrets.environment["JUICECTL_IT_ACCESS_KEY"] = gateway.accessKey
            yaml += """
                storage:
                  type: s3
                  bucket: \(gateway.bucketURL("it-\(name)"))
                  accessKey: {env: JUICECTL_IT_ACCESS_KEY}
                  secretKey: {file: \(root)/secrets/secret-key}

                """
        }
        switch engine {
        case .sqlite:
            break
        case .redis:
            let redis = try RedisServer()
            servers.append(redis)
            try await redis.start()
            secrets.files["meta-password"] = redis.password
            yaml += "metadata:\n  url: \(redis.url)\n  password: {file: \(root)/secrets/meta-password}\n"
        case .postgres:
            let postgres = try PostgresServer()
            servers.append(postgres)
            try await postgres.start()
            let url = try await postgres.createDatabase("jfs_\(name.replacingOccurrences(of: "-", with: "_"))")
            secrets.files["meta-password"] = postgres.password
            yaml += "metadata:\n  url: \(url)\n  password: {file: \(root)/secrets/meta-password}\n"
        }
        return (yaml, secrets)
    }

    /// Every text juicectl left behind for the volume: state, logs, events, status file, Litestream config.
    private func filesUnder(_ directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { !$0.hasPrefix("data/") && !$0.hasPrefix("cache/") && !$0.hasPrefix("objects/") && !$0.hasPrefix("replica/") }
            .filter { !$0.hasSuffix(".db") && !$0.hasSuffix(".db-wal") && !$0.hasSuffix(".db-shm") }
            .map { "\(directory)/\($0)" }
    }

    private func expectNoSecret(in texts: [(String, String)], secrets: Secrets) {
        for (what, text) in texts {
            for secret in secrets.values {
                #expect(!text.contains(secret), "a secret appears in \(what)")
            }
        }
    }

    /// Runs `body` with a list to put started servers in, and stops them all afterwards (after the volumes are
    /// down), also when `body` fails.
    private func withServers(_ body: (inout [any LoopbackServer]) async throws -> Void) async throws {
        var servers: [any LoopbackServer] = []
        do {
            try await body(&servers)
        } catch {
            for server in servers.reversed() { await server.stop() }
            throw error
        }
        for server in servers.reversed() { await server.stop() }
    }

    private func converge(_ engine: Engine, _ storage: Storage, name: String) async throws {
        try await withServers { servers in
            try await TestVolume.with(name) { volume in
                let (yaml, secrets) = try await endpoints(engine, storage, name: name, root: volume.root, servers: &servers)
                try secrets.write(under: volume.root)
                try volume.writeSpec(yaml)
                var outputs: [(String, String)] = []
                func run(_ arguments: String..., spec: Bool = true) async throws -> CommandResult {
                    let result = try await Shell.run(
                        Prerequisites.juicectl!, arguments + (spec ? [volume.specPath] : []),
                        environment: secrets.environment)
                    outputs.append(("juicectl \(arguments.joined(separator: " "))", result.stdout + result.stderr))
                    return result
                }

                let plan = try await run("plan", "--verbose")
                #expect(plan.exitCode == 0, "\(plan.transcript)")
                #expect(plan.stdout.contains("format"), "\(plan.transcript)")
                let apply = try await run("apply", "--verbose")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                let again = try await run("apply")
                #expect(again.stdout.contains("No changes"), "\(again.transcript)")

                // Write, checkpoint, change, restore.
                let file = "\(volume.mountPath)/active/fs/hello.txt"
                try "version 1\n".write(toFile: file, atomically: false, encoding: .utf8)
                let create = try await Shell.run(
                    Prerequisites.juicectl!, ["checkpoint", "create", volume.specPath, "v1"],
                    environment: secrets.environment)
                #expect(create.exitCode == 0, "\(create.transcript)")
                try "version 2\n".write(toFile: file, atomically: false, encoding: .utf8)
                let restore = try await Shell.run(
                    Prerequisites.juicectl!, ["restore", volume.specPath, "v1", "--verbose"],
                    environment: secrets.environment)
                outputs.append(("juicectl restore", restore.stdout + restore.stderr))
                #expect(restore.exitCode == 0, "\(restore.transcript)")
                #expect(try String(contentsOfFile: file, encoding: .utf8) == "version 1\n")

                let status = try await run("status", "--json")
                #expect(status.exitCode == 0, "\(status.transcript)")
                let planJSON = try await run("plan", "--json")
                let document = try JSONOutput.firstVolume(planJSON.stdout)
                #expect(document["metadata"] as? String != nil && document["storage"] as? String != nil, "\(planJSON.stdout)")
                if engine == .sqlite {
                    #expect(document["sessions"] == nil, "plan lists no sessions for SQLite: \(planJSON.stdout)")
                } else {
                    #expect(
                        (document["sessions"] as? [[String: Any]])?.count ?? 0 >= 1, "this mount's session is listed: \(planJSON.stdout)")
                }

                // No secret anywhere: outputs, every file juicectl wrote, and the command lines of the mount processes.
                for path in filesUnder(volume.baseDir) {
                    if let text = try? String(contentsOfFile: path, encoding: .utf8) { outputs.append((path, text)) }
                }
                let commandLines = try await Shell.sh(
                    "for p in $(pgrep -f 'juicefs.*\(volume.root)'); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done")
                outputs.append(("juicefs command lines", commandLines.stdout))
                expectNoSecret(in: outputs, secrets: secrets)

                let down = try await run("down")
                #expect(down.exitCode == 0, "\(down.transcript)")
            }
        }
    }

    @Test("SQLite metadata with S3 storage: converge, write, checkpoint, restore, and no secret in any output")
    func sqliteWithS3() async throws {
        try await converge(.sqlite, .s3, name: "eng-sqlite-s3")
    }

    @Test("Redis metadata with a password and local storage: converge, write, checkpoint, restore, no secret anywhere")
    func redisWithLocal() async throws {
        try await converge(.redis, .local, name: "eng-redis-local")
    }

    @Test("PostgreSQL metadata with a password and S3 storage: converge, write, checkpoint, restore, no secret anywhere")
    func postgresWithS3() async throws {
        try await converge(.postgres, .s3, name: "eng-postgres-s3")
    }

    @Test("a mount whose Redis hangs is MountUnresponsive, never detached, and answers again when Redis does")
    func hungEngineIsNotAStaleMount() async throws {
        try await withServers { servers in
            try await TestVolume.with("eng-redis-hang") { volume in
                let (yaml, secrets) = try await endpoints(.redis, .local, name: "eng-redis-hang", root: volume.root, servers: &servers)
                try secrets.write(under: volume.root)
                try volume.writeSpec(yaml)
                let redis = try #require(servers.first as? RedisServer)
                let apply = try await volume.juicectl("apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
                let clientPIDs = try await Shell.sh("pgrep -f -- '--lo[g]=\(volume.baseDir)/logs/juicefs.log' | sort").stdout

                let redisPIDs = await redis.processIDs()
                for pid in redisPIDs { kill(pid, SIGSTOP) }
                do {
                    try await Task.sleep(for: .seconds(2)) // past the kernel's attribute cache
                    let plan = try await volume.juicectl("plan", "--json")
                    #expect(plan.stdout.contains("\"MountUnresponsive\""), "\(plan.transcript)")
                    #expect(
                        !plan.stdout.contains("recover-stale-mount") && !plan.stdout.contains("\"kind\""),
                        "a hung engine is not a dead mount, and nothing is planned on guesses: \(plan.transcript)")
                    let hung = try await volume.juicectl("apply")
                    #expect(hung.exitCode == 1, "\(hung.transcript)")
                    #expect(volume.mountEntries().count == 1, "the mount was detached")
                    let status = try await volume.juicectl("status")
                    #expect(status.stdout.contains("MountUnresponsive"), "\(status.transcript)")
                }
                for pid in redisPIDs { kill(pid, SIGCONT) }

                let answered = await Wait.until(timeout: .seconds(60)) {
                    (try? await volume.juicectl("apply"))?.stdout.contains("No changes") == true
                }
                #expect(answered, "the volume did not converge after Redis answered again")
                let after = try await Shell.sh("pgrep -f -- '--lo[g]=\(volume.baseDir)/logs/juicefs.log' | sort").stdout
                #expect(after == clientPIDs, "the juicefs client was replaced: \(clientPIDs) -> \(after)")
                #expect(try await volume.juicectl("down").exitCode == 0)
            }
        }
    }

    @Test("two hosts of one Redis+S3 volume: one formats, both mount, writes cross, checkpoints serialise, a restore is seen by both")
    func twoHostsShareOneVolume() async throws {
        try await withServers { servers in
            try await TestVolume.with("eng-host-a", volumeName: "eng-shared") { a in
                try await TestVolume.with("eng-host-b", volumeName: "eng-shared") { b in
                    let (yaml, secrets) = try await endpoints(.redis, .s3, name: "eng-shared", root: a.root, servers: &servers)
                    try secrets.write(under: a.root)
                    try secrets.write(under: b.root)
                    try a.writeSpec(yaml)
                    try b.writeSpec(yaml.replacingOccurrences(of: a.root, with: b.root))
                    func juicectl(_ volume: TestVolume, _ arguments: [String], environment: [String: String] = [:]) async throws
                        -> CommandResult
                    {
                        try await Shell.run(
                            Prerequisites.juicectl!, arguments, environment: secrets.environment.merging(environment) { $1 })
                    }

                    let applyA = try await juicectl(a, ["apply", a.specPath])
                    #expect(applyA.exitCode == 0, "\(applyA.transcript)")
                    #expect(applyA.stdout.contains("format"), "\(applyA.transcript)")
                    let planB = try await juicectl(b, ["plan", b.specPath])
                    #expect(!planB.stdout.contains("+ format"), "host b must not format the existing volume: \(planB.transcript)")
                    #expect(
                        planB.stdout.contains("sessions:") && planB.stdout.contains(a.mountPath),
                        "host b sees host a's session: \(planB.transcript)")
                    let applyB = try await juicectl(b, ["apply", b.specPath])
                    #expect(applyB.exitCode == 0, "\(applyB.transcript)")

                    // Writes on one are seen on the other.
                    try "from a\n".write(toFile: "\(a.mountPath)/active/fs/a.txt", atomically: false, encoding: .utf8)
                    let seen = await Wait.until(timeout: .seconds(10)) {
                        (try? String(contentsOfFile: "\(b.mountPath)/active/fs/a.txt", encoding: .utf8)) == "from a\n"
                    }
                    #expect(seen, "host b does not see host a's write")

                    // Concurrent checkpoints: a holds the volume's lock (paused inside its checkpoint); b waits for it.
                    let clock = ContinuousClock()
                    let start = clock.now
                    async let checkpointA = juicectl(
                        a, ["checkpoint", "create", a.specPath, "from-a"],
                        environment: ["JUICECTL_FAULT_AT": "checkpoint.after-clone:pause", "JUICECTL_FAULT_PAUSE_MS": "4000"])
                    try await Task.sleep(for: .seconds(1))
                    let resultB = try await juicectl(b, ["checkpoint", "create", b.specPath, "from-b"])
                    let finishedB = clock.now - start
                    let resultA = try await checkpointA
                    #expect(resultA.exitCode == 0, "\(resultA.transcript)")
                    #expect(resultB.exitCode == 0, "\(resultB.transcript)")
                    #expect(finishedB >= .seconds(4), "host b's checkpoint finished after \(finishedB), inside host a's")
                    for volume in [a, b] {
                        let list = try await juicectl(volume, ["checkpoint", "list", volume.specPath])
                        #expect(list.stdout.contains("from-a") && list.stdout.contains("from-b"), "\(list.transcript)")
                    }

                    // A restore on b is seen by a.
                    try "changed\n".write(toFile: "\(a.mountPath)/active/fs/a.txt", atomically: false, encoding: .utf8)
                    let restore = try await juicectl(b, ["restore", b.specPath, "from-a"])
                    #expect(restore.exitCode == 0, "\(restore.transcript)")
                    let restored = await Wait.until(timeout: .seconds(10)) {
                        (try? String(contentsOfFile: "\(a.mountPath)/active/fs/a.txt", encoding: .utf8)) == "from a\n"
                    }
                    #expect(restored, "host a does not see host b's restore")

                    for volume in [b, a] {
                        let down = try await juicectl(volume, ["down", volume.specPath])
                        #expect(down.exitCode == 0, "\(down.transcript)")
                    }
                }
            }
        }
    }

    @Test("a restore on host b makes host a, which has the overlay, remount it onto the restored image; nothing written on a is lost")
    func restoreElsewhereRemountsTheOverlay() async throws {
        try await withServers { servers in
            try await TestVolume.with("eng-ovl-a", volumeName: "eng-shared-ovl") { a in
                try await TestVolume.with("eng-ovl-b", volumeName: "eng-shared-ovl") { b in
                    let (yaml, secrets) = try await endpoints(.redis, .s3, name: "eng-shared-ovl", root: a.root, servers: &servers)
                    try secrets.write(under: a.root)
                    try secrets.write(under: b.root)
                    let lower = "\(a.root)/lower"
                    let target = "\(a.root)/newroot"
                    try FileManager.default.createDirectory(atPath: lower, withIntermediateDirectories: true)
                    // Only host a has the overlay: its image is one ext4 filesystem, loop-mounted by one host.
                    try a.writeSpec(yaml + "overlay:\n  imageSize: 256MiB\n  lowerDirs: [\(lower)]\n  target: \(target)\n")
                    try b.writeSpec(yaml.replacingOccurrences(of: a.root, with: b.root))
                    func juicectl(_ volume: TestVolume, _ arguments: String...) async throws -> CommandResult {
                        try await Shell.run(Prerequisites.juicectl!, arguments + [volume.specPath], environment: secrets.environment)
                    }
                    let applyA = try await juicectl(a, "apply")
                    #expect(applyA.exitCode == 0, "\(applyA.transcript)")
                    #expect(try await juicectl(b, "apply").exitCode == 0)

                    // The loop device answers with the inode it serves, the image's.
                    let status = try JSONOutput.firstVolume(try await juicectl(a, "status", "--json").stdout)
                    let overlay = (status["observation"] as? [String: Any])?["overlay"] as? [String: Any]
                    let served = overlay?["upperBackingInode"] as? Int
                    #expect(served != nil && served == overlay?["imageInode"] as? Int, "\(String(describing: overlay))")

                    try "kept\n".write(toFile: "\(target)/state.txt", atomically: false, encoding: .utf8)
                    let checkpoint = try await Shell.run(
                        Prerequisites.juicectl!, ["checkpoint", "create", a.specPath, "good"], environment: secrets.environment)
                    #expect(checkpoint.exitCode == 0, "\(checkpoint.transcript)")
                    try "written after the checkpoint\n".write(toFile: "\(target)/state.txt", atomically: false, encoding: .utf8)
                    _ = try await Shell.sh("sync -f '\(target)/state.txt'")

                    let restore = try await Shell.run(
                        Prerequisites.juicectl!, ["restore", b.specPath, "good"], environment: secrets.environment)
                    #expect(restore.exitCode == 0, "\(restore.transcript)")

                    // Host a sees /active replaced (after its entry cache expires) and plans the remount.
                    var plan = CommandResult(termination: .exited(0), stdout: "", stderr: "", duration: .zero)
                    let planned = await Wait.until(timeout: .seconds(15)) {
                        plan = (try? await juicectl(a, "plan")) ?? plan
                        // The loop device's path follows the rename here (one kernel); on separate machines it may
                        // not, and the inode behind it tells instead. Either way the upper layer is remounted.
                        return plan.stdout.contains("unmount upper") && plan.stdout.contains("overlay upper")
                    }
                    #expect(planned, "host a did not notice the restore: \(plan.transcript)")
                    let remount = try await juicectl(a, "apply")
                    #expect(remount.exitCode == 0, "\(remount.transcript)")
                    #expect(
                        try String(contentsOfFile: "\(target)/state.txt", encoding: .utf8) == "kept\n",
                        "the overlay does not show the restored image")
                    #expect(try await juicectl(a, "plan", "--detailed-exitcode").exitCode == 0)

                    // What a wrote after the checkpoint is in the replaced tree, kept as the pre-restore checkpoint.
                    let list = try await juicectl(a, "checkpoint", "list", "--json")
                    let names = ((try JSONOutput.object(list.stdout)["checkpoints"] as? [[String: Any]]) ?? []).compactMap {
                        $0["name"] as? String
                    }
                    let aside = try #require(names.first { $0.hasPrefix("pre-restore-") }, "\(names)")
                    let inspect = "\(a.root)/inspect"
                    try FileManager.default.createDirectory(atPath: inspect, withIntermediateDirectories: true)
                    let mounted = try await Shell.sh(
                        """
                        mount -o loop,ro,noload '\(a.mountPath)/checkpoints/\(aside)/root-upper.img' '\(inspect)' && cat \
                        '\(inspect)/upper/state.txt'; umount '\(inspect)' 2>/dev/null; true
                        """
                    )
                    #expect(mounted.stdout.contains("written after the checkpoint"), "\(mounted.transcript)")

                    for volume in [b, a] {
                        let down = try await juicectl(volume, "down")
                        #expect(down.exitCode == 0, "\(down.transcript)")
                    }
                }
            }
        }
    }
}
