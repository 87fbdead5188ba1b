import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization
import Testing

/// Who uses a tree, found by `LiveHost().treeUsers` on a real JuiceFS mount, in this and other mount namespaces.
@Suite("Tree usage (real juicefs, mount namespaces, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct TreeUsageTests {
    static let sleep = ["/bin/sleep", "1000"]

    /// The inode of a mount namespace, from `/proc/<process>/ns/mnt`.
    static func namespace(of process: String) throws -> UInt64 {
        let text = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/ns/mnt")
        return try #require(UInt64(text.dropFirst("mnt:[".count).dropLast()), "\(text)")
    }

    @Test("a process whose working directory is in active/fs is found with its pid, command and path")
    func workingDirectoryIsFound() async throws {
        try await UsageScene.with("usage-cwd") { scene in
            let pid = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(scene.fs)/sub")
            let users = await LiveHost().treeUsers(try scene.query())
            let mine = UsageScene.users(users, pid: pid)
            try #require(mine.count == 1, "\(users)")
            #expect(mine[0].tree == "/active")
            #expect(mine[0].volumePath == "/active/fs/sub")
            guard case .process(pid, let command, let references) = mine[0].holder else {
                Issue.record("not a process: \(mine[0].holder)")
                return
            }
            #expect(command.hasSuffix("sleep 1000"), "\(command)")
            #expect(references == [.workingDirectory])
        }
    }

    @Test("a process holding a file open under active/fs is found with the file's path; juicectl's own files are not")
    func openFileIsFound() async throws {
        try await UsageScene.with("usage-open") { scene in
            let file = "\(scene.fs)/data.txt"
            try Data("held\n".utf8).write(to: URL(fileURLWithPath: file))
            let own = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? own.close() }
            let pid = try await scene.start("/bin/sh", ["-c", "exec /bin/sleep 1000 < \"$0\"", file], ready: Self.sleep)
            let users = await LiveHost().treeUsers(try scene.query())
            #expect(UsageScene.references(users, pid: pid) == ["/active": [.openFile("/active/fs/data.txt")]], "\(users)")
            #expect(UsageScene.users(users, pid: pid).first?.volumePath == "/active/fs/data.txt")
            #expect(UsageScene.users(users, pid: getpid()).isEmpty, "juicectl's own process was reported")
        }
    }

    @Test("a memory map of a file under active/fs is found after its descriptor was closed")
    func memoryMapIsFound() async throws {
        try await UsageScene.with("usage-mmap") { scene in
            let file = "\(scene.fs)/lib.bin"
            try Data(repeating: 7, count: 8192).write(to: URL(fileURLWithPath: file))
            let ready = scene.local("mapped")
            // mmap(2) through ctypes: Python's mmap module keeps a duplicate of the descriptor open.
            let script = """
                import ctypes, os, sys, time
                libc = ctypes.CDLL(None)
                libc.mmap.restype = ctypes.c_void_p
                libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
                fd = os.open(sys.argv[1], os.O_RDONLY)
                address = libc.mmap(None, 8192, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
                os.close(fd)
                assert address not in (None, ctypes.c_void_p(-1).value)
                open(sys.argv[2], 'w').close(); time.sleep(1000)
                """
            let pid = try await scene.start("/usr/bin/python3", ["-c", script, file, ready], readyFile: ready)
            let users = await LiveHost().treeUsers(try scene.query())
            #expect(UsageScene.references(users, pid: pid) == ["/active": [.memoryMap("/active/fs/lib.bin")]], "\(users)")
        }
    }

    @Test("a bind mount of active/fs in juicectl's namespace is found as a mount there, and a process inside it with its path")
    func bindMountInOwnNamespaceIsFound() async throws {
        try await UsageScene.with("usage-bind") { scene in
            let target = scene.local("bind")
            try await scene.bind(scene.fs, at: target)
            let pid = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(target)/sub")
            let users = await LiveHost().treeUsers(try scene.query())
            let mount = TreeUser(
                tree: "/active", volumePath: "/active/fs",
                holder: .mount(
                    mountPoint: target, namespace: try Self.namespace(of: "self"), hostNamespace: true, pids: []))
            #expect(users.contains(mount), "\(users)")
            #expect(users.first { $0 == mount }?.outlivesProcesses == true)
            #expect(UsageScene.users(users, pid: pid).map(\.volumePath) == ["/active/fs/sub"], "\(users)")
            #expect(
                !users.contains { if case .mount(scene.volume.mountPath, _, _, _) = $0.holder { true } else { false } },
                "juicectl's own mount of the volume was reported")
        }
    }

    @Test("a bind mount of active/fs made in another mount namespace is found with that namespace's pid, and so is its process")
    func bindMountInAnotherNamespaceIsFound() async throws {
        try await UsageScene.with("usage-ns") { scene in
            let target = scene.local("elsewhere")
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            let script = "mount --bind \"$0\" \"$1\" && cd \"$1/sub\" && exec /bin/sleep 1000"
            let arguments = ["-m", "--propagation", "private", "/bin/sh", "-c", script, scene.fs, target]
            let pid = try await scene.start("/usr/bin/unshare", arguments, ready: Self.sleep)
            let namespace = try Self.namespace(of: String(pid))
            #expect(namespace != (try Self.namespace(of: "self")))
            #expect(!scene.volume.mountEntries().contains { $0.mountPoint == target }, "the bind mount leaked into the host namespace")

            let users = await LiveHost().treeUsers(try scene.query())
            let mounts = users.filter { if case .mount(target, namespace, false, _) = $0.holder { true } else { false } }
            try #require(mounts.count == 1, "\(users)")
            #expect(mounts[0].tree == "/active")
            #expect(mounts[0].volumePath == "/active/fs")
            guard case .mount(_, _, _, let pids) = mounts[0].holder else { return }
            #expect(pids.contains(pid), "\(pids)")
            #expect(!mounts[0].outlivesProcesses)
            let process = UsageScene.users(users, pid: pid)
            #expect(process.map(\.volumePath) == ["/active/fs/sub"], "\(users)")
            #expect(UsageScene.references(users, pid: pid) == ["/active": [.workingDirectory]])
        }
    }

    @Test("a process using checkpoints/x is reported for /checkpoints/x and not for /active")
    func checkpointUserIsReportedForItsTree() async throws {
        try await UsageScene.with("usage-cp") { scene in
            let pid = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(scene.volume.mountPath)/checkpoints/x/sub")
            let users = await LiveHost().treeUsers(try scene.query())
            #expect(UsageScene.users(users, pid: pid).map(\.tree) == ["/checkpoints/x"], "\(users)")
            #expect(UsageScene.users(users, pid: pid).first?.volumePath == "/checkpoints/x/sub")
            let activeOnly = await LiveHost().treeUsers(try scene.query(["/active"]))
            #expect(UsageScene.users(activeOnly, pid: pid).isEmpty, "\(activeOnly)")
        }
    }

    @Test("once every holder has exited and every mount is gone, the scan finds nobody")
    func scanIsEmptyAfterHoldersExit() async throws {
        try await UsageScene.with("usage-gone") { scene in
            let file = "\(scene.fs)/data.txt"
            try Data("held\n".utf8).write(to: URL(fileURLWithPath: file))
            let target = scene.local("bind")
            try await scene.bind(scene.fs, at: target)
            let elsewhere = scene.local("elsewhere")
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            let pids = [
                try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(scene.fs)/sub"),
                try await scene.start("/bin/sh", ["-c", "exec /bin/sleep 1000 < \"$0\"", file], ready: Self.sleep),
                try await scene.start(
                    "/usr/bin/unshare",
                    [
                        "-m", "--propagation", "private", "/bin/sh", "-c",
                        "mount --bind \"$0\" \"$1\" && exec /bin/sleep 1000", scene.fs, elsewhere,
                    ],
                    ready: Self.sleep),
            ]
            let before = await LiveHost().treeUsers(try scene.query())
            #expect(before.count >= 4, "\(before)")
            for pid in pids { await scene.stop(pid) }
            try await scene.unmount(target)
            let after = await LiveHost().treeUsers(try scene.query())
            #expect(after.isEmpty, "\(after)")
        }
    }

    @Test("a tree renamed while bind-mounted is reported under its new name, for the mount and a process inside it")
    func renamedTreeIsReportedUnderItsNewName() async throws {
        try await UsageScene.with("usage-rename") { scene in
            let target = scene.local("cp")
            try await scene.bind("\(scene.volume.mountPath)/checkpoints/x", at: target)
            let pid = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(target)/sub")
            try FileManager.default.moveItem(
                atPath: "\(scene.volume.mountPath)/checkpoints/x",
                toPath: "\(scene.volume.mountPath)/checkpoints/y")
            let users = await LiveHost().treeUsers(try scene.query(["/checkpoints/x", "/checkpoints/y"]))
            let mount = users.first { if case .mount(target, _, true, _) = $0.holder { true } else { false } }
            #expect(mount?.tree == "/checkpoints/y", "\(users)")
            #expect(mount?.volumePath == "/checkpoints/y")
            #expect(UsageScene.users(users, pid: pid).map(\.volumePath) == ["/checkpoints/y/sub"], "\(users)")
            #expect(!users.contains { $0.tree == "/checkpoints/x" }, "\(users)")
        }
    }

    @Test("a process on a filesystem of the query's devices counts for that device's tree; juicectl's own mount of it does not")
    func deviceOfTheQueryCountsForItsTree() async throws {
        try await UsageScene.with("usage-dev") { scene in
            let target = scene.local("upper")
            try await scene.mountTmpfs(at: target)
            let device = try #require(scene.volume.mountEntries().last { $0.mountPoint == target }?.device)
            try FileManager.default.createDirectory(atPath: "\(target)/work", withIntermediateDirectories: true)
            let pid = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(target)/work")
            var query = try scene.query(devices: [device: "/active"])
            query.ownMounts.append(.init(device: device, mountPoint: target))
            let users = await LiveHost().treeUsers(query)
            #expect(UsageScene.users(users, pid: pid).map(\.tree) == ["/active"], "\(users)")
            #expect(UsageScene.users(users, pid: pid).first?.volumePath == nil)
            #expect(!users.contains { if case .mount(target, _, _, _) = $0.holder { true } else { false } }, "\(users)")
            await scene.stop(pid)
        }
    }

    @Test("the scan sends no request to the FUSE mount: it finishes while the volume's juicefs processes are stopped")
    func scanDoesNotTouchTheMount() async throws {
        try await UsageScene.with("usage-hung") { scene in
            let file = "\(scene.fs)/data.txt"
            try Data("held\n".utf8).write(to: URL(fileURLWithPath: file))
            let cwd = try await scene.start(Self.sleep[0], [Self.sleep[1]], in: "\(scene.fs)/sub")
            let reader = try await scene.start("/bin/sh", ["-c", "exec /bin/sleep 1000 < \"$0\"", file], ready: Self.sleep)
            let query = try scene.query()
            let config = try scene.volume.mountConfig()
            let clients = try [config["Pid"], config["PPid"]].map { try #require(($0 as? NSNumber)?.int32Value) }
            for client in clients { kill(client, SIGSTOP) }
            let result = Mutex<[TreeUser]?>(nil)
            let scan = Task.detached {
                let users = await LiveHost().treeUsers(query)
                result.withLock { $0 = users }
            }
            let finished = await Wait.until(timeout: .seconds(10)) { result.withLock { $0 != nil } }
            // The mount really hangs meanwhile: a lookup of a new name gets no answer.
            let probe = await LiveHost().stat("\(scene.fs)/never-looked-up-\(UUID().uuidString)", deadline: .milliseconds(500))
            for client in clients { kill(client, SIGCONT) }
            #expect(probe == .timedOut, "the stopped mount answered: \(probe)")
            await scan.value
            #expect(finished, "the scan waited on the stopped FUSE mount")
            let users = result.withLock { $0 } ?? []
            #expect(UsageScene.references(users, pid: cwd) == ["/active": [.workingDirectory]], "\(users)")
            #expect(UsageScene.references(users, pid: reader) == ["/active": [.openFile("/active/fs/data.txt")]], "\(users)")
        }
    }

    @Test("a scan of a host with a few hundred processes takes well under a second")
    func scanIsFast() async throws {
        try await UsageScene.with("usage-speed") { scene in
            _ = try await scene.startMany(100, in: "\(scene.fs)/sub")
            _ = try await scene.startMany(200, in: "/")
            let query = try scene.query()
            let host = LiveHost()
            var samples: [Duration] = []
            var found = 0
            for _ in 0..<15 {
                let start = ContinuousClock.now
                found = await host.treeUsers(query).count
                samples.append(ContinuousClock.now - start)
            }
            let median = samples.sorted()[samples.count / 2]
            let processes = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }.count
            let fds = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }
                .reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\($1)/fd"))?.count ?? 0) }
            print(
                "tree usage scan: \(processes) processes, \(fds) descriptors, \(found) users: median \(median), "
                    + "min \(samples.min()!), max \(samples.max()!) over \(samples.count) scans")
            #expect(found == 100)
            #expect(median < .seconds(1), "median \(median)")
        }
    }
}
