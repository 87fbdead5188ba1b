import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// `down` loses nothing: the blocks writeback staged on this host are uploaded before the unmount (bounded by
/// `--flush-timeout`), Litestream outlives a juicefs client kept alive by open files, and a durable checkpoint is in
/// the store before it returns (real juicefs, litestream and an S3 gateway on loopback, as root).
@Suite("down drains: staged blocks, a detached client, durable checkpoints", .serialized, .enabled(if: Prerequisites.enabled))
struct DrainTests {
    static let writeback = """
        mount:
          writeback: true
          uploadDelay: 1h

        """

    /// Staged blocks and bytes as `status --json` reports them from the mount.
    static func staged(_ pair: MovingVolume, _ host: TestVolume) async throws -> (blocks: Int, bytes: Int, durable: String?) {
        let status = try await pair.juicectl(host, "status", "--json")
        let volume = try JSONOutput.firstVolume(status.stdout)
        let staging = (volume["observation"] as? [String: Any])?["staging"] as? [String: Any]
        let durable = (volume["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Durable" }?["reason"] as? String
        return (staging?["blocks"] as? Int ?? -1, staging?["bytes"] as? Int ?? -1, durable)
    }

    /// Files in `<cacheDir>/*/rawstaging` of `host`.
    static func rawstagingFiles(_ host: TestVolume) -> [String] {
        let cache = "\(host.baseDir)/cache"
        let all = FileManager.default.enumerator(atPath: cache)?.compactMap { $0 as? String } ?? []
        return all.filter { path in
            var isDirectory: ObjCBool = false
            return path.contains("/rawstaging/") && FileManager.default.fileExists(atPath: "\(cache)/\(path)", isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
    }

    /// Writes `mib` MiB of random bytes to `path` with fsync (so that writeback stages them).
    static func writeSynced(_ path: String, mib: Int) async throws {
        let result = try await Shell.sh("dd if=/dev/urandom of='\(path)' bs=1M count=\(mib) conv=fsync status=none")
        try #require(result.exitCode == 0, "\(result.transcript)")
    }

    @Test("move with writeback (uploadDelay 1h): down uploads every staged block; a new base dir gets every byte and every checkpoint")
    func aVolumeMovesWithEveryStagedByte() async throws {
        try await MovingVolume.with("drain-move", extra: Self.writeback) { pair in
            let apply = try await pair.juicectl(pair.a, "apply")
            try #require(apply.exitCode == 0, "\(apply.transcript)")
            let fs = "\(pair.a.mountPath)/active/fs"
            try FileTree.write(fs, count: 40, seed: 21)
            try await Self.writeSynced("\(fs)/big.bin", mib: 8)
            try #require(try await pair.juicectl(pair.a, "checkpoint", "create", extra: ["staged"]).exitCode == 0)
            try await Self.writeSynced("\(fs)/after-checkpoint.bin", mib: 4)
            let tree = try FileTree.read(fs)
            let checkpoint = try FileTree.read("\(pair.a.mountPath)/checkpoints/staged")

            let before = try await Self.staged(pair, pair.a)
            #expect(before.blocks >= 3 && before.bytes >= 12 << 20, "status does not show the staged blocks: \(before)")
            #expect(before.durable == DurableReason.blocksStaged.rawValue, "\(before)")
            #expect(!Self.rawstagingFiles(pair.a).isEmpty)

            let down = try await pair.juicectl(pair.a, "down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            #expect(down.stdout.contains("flush staging") && down.stdout.contains("uploaded"), "\(down.stdout)")
            let order = ["flush staging", "unmount", "stop backup", "release ownership"].map { down.stdout.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "\(down.stdout)")
            #expect(Self.rawstagingFiles(pair.a).isEmpty, "blocks are still only staged: \(Self.rawstagingFiles(pair.a))")

            // Host A is gone, disk and all.
            try FileManager.default.removeItem(atPath: pair.a.baseDir)
            let moved = try await pair.juicectl(pair.b, "apply")
            #expect(moved.exitCode == 0, "\(moved.transcript)")
            #expect(try FileTree.read("\(pair.b.mountPath)/active/fs") == tree, "B does not read every byte A wrote")
            #expect(try FileTree.read("\(pair.b.mountPath)/checkpoints/staged") == checkpoint, "the checkpoint did not move intact")
        }
    }

    @Test(
        """
        down with staged blocks while the S3 endpoint hangs: fails after --flush-timeout and stays mounted; with the endpoint back it \
        succeeds
        """
    )
    func aFlushThatCannotFinishLeavesTheVolumeMounted() async throws {
        try await MovingVolume.with("drain-hang", extra: Self.writeback) { pair in
            try #require(try await pair.juicectl(pair.a, "apply").exitCode == 0)
            let fs = "\(pair.a.mountPath)/active/fs"
            try await Self.writeSynced("\(fs)/staged.bin", mib: 8)
            let tree = try FileTree.read(fs)

            await pair.gateway.pause()
            let started = ContinuousClock.now
            let down = try await pair.juicectl(pair.a, "down", extra: ["--flush-timeout", "10s"])
            let took = ContinuousClock.now - started
            await pair.gateway.resume()
            #expect(down.exitCode == 1, "\(down.transcript)")
            #expect(down.stdout.contains("still staged") && down.stdout.contains("stays mounted"), "\(down.stdout)")
            #expect(down.stdout.contains("MiB"), "down says how much is staged: \(down.stdout)")
            #expect(took < .seconds(150), "down took \(took)")
            #expect(
                pair.a.mountEntries().contains { $0.mountPoint == pair.a.mountPath }, "the volume was unmounted with blocks only staged")
            #expect(try await pair.runs(pair.a))

            let again = try await pair.juicectl(pair.a, "down")
            #expect(again.exitCode == 0, "\(again.transcript)")
            #expect(Self.rawstagingFiles(pair.a).isEmpty)
            try FileManager.default.removeItem(atPath: pair.a.baseDir)
            let moved = try await pair.juicectl(pair.b, "apply")
            #expect(moved.exitCode == 0, "\(moved.transcript)")
            #expect(try FileTree.read("\(pair.b.mountPath)/active/fs") == tree, "bytes were lost")
        }
    }

    @Test("a durable checkpoint returns once its blocks are uploaded and its metadata is in the replica, and says how long that took")
    func aDurableCheckpointSurvivesTheHost() async throws {
        try await MovingVolume.with("drain-durable", extra: Self.writeback) { pair in
            try #require(try await pair.juicectl(pair.a, "apply").exitCode == 0)
            let fs = "\(pair.a.mountPath)/active/fs"
            try await Self.writeSynced("\(fs)/data.bin", mib: 8)
            let checkpoint = try await pair.juicectl(pair.a, "checkpoint", "create", "--json", extra: ["--durable", "safe"])
            #expect(checkpoint.exitCode == 0, "\(checkpoint.transcript)")
            #expect(checkpoint.stdout.contains("durableMilliseconds"), "\(checkpoint.stdout)")
            #expect(Self.rawstagingFiles(pair.a).isEmpty, "a durable checkpoint left blocks only staged")
            let tree = try FileTree.read("\(pair.a.mountPath)/checkpoints/safe")
            // The client was handed back to the spec's flags: nothing pending.
            let plan = try await pair.juicectl(pair.a, "plan")
            #expect(!plan.stdout.contains("remount in place") && !plan.stdout.contains("unmount+mount"), "\(plan.transcript)")

            // Host A dies without down: B takes over and finds the checkpoint whole.
            try await pair.crash(pair.a)
            #expect(try await pair.juicectl(pair.b, "takeover", extra: ["--yes"]).exitCode == 0)
            let moved = try await pair.juicectl(pair.b, "apply")
            #expect(moved.exitCode == 0, "\(moved.transcript)")
            #expect(try FileTree.read("\(pair.b.mountPath)/checkpoints/safe") == tree, "the durable checkpoint did not survive its host")
        }
    }
}

/// A forced `down` with a file open: the client serves it after the lazy detach, and Litestream keeps replicating
/// until that client exits.
@Suite("forced down: Litestream outlives the detached juicefs client", .serialized, .enabled(if: Prerequisites.enabled))
struct ForcedDownTests {
    /// The length SQLite metadata `database` records for file `name` (the newest inode of that name).
    static func recordedLength(_ database: String, name: String) async throws -> Int {
        let query =
            """
            select n.length from jfs_edge e join jfs_node n on n.inode = e.inode where e.name = cast('\(name)' as blob) order by \
            n.inode desc limit 1;
            """
        let result = try await Shell.run("/usr/bin/sqlite3", ["-readonly", database, query])
        try #require(result.exitCode == 0, "\(result.transcript)")
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test(
        """
        forced down with an open file: down exits 1 naming the client, writes go on, and the replica then holds every byte the \
        database holds
        """
    )
    func theReplicaHoldsWhatTheDetachedClientWrote() async throws {
        try await TestVolume.with("forced-down") { volume in
            try #require(try await volume.juicectl("apply").exitCode == 0)
            let file = "\(volume.mountPath)/active/fs/open.log"
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            let line = Data("a line written through the descriptor that down could not close\n".utf8)
            for _ in 0..<1000 { try handle.write(contentsOf: line) }
            try handle.synchronize()

            let down = try await volume.juicectl("down")
            #expect(down.exitCode == 1, "\(down.transcript)")
            #expect(
                down.stdout.contains("detached; juicefs pid") && down.stdout.contains("still serves")
                    && down.stdout.contains("Litestream keeps replicating until it exits"), "\(down.stdout)")
            #expect(!down.stdout.contains("stopped Litestream"), "\(down.stdout)")
            #expect(!FileManager.default.fileExists(atPath: "\(volume.baseDir)/.juicectl/litestream.clean-stop"))
            let replicating = try await Shell.sh("pgrep -f '[l]itestream replicate -config \(volume.baseDir)/' >/dev/null")
            #expect(replicating.exitCode == 0, "Litestream was stopped while the client still writes")

            for _ in 0..<5000 { try handle.write(contentsOf: line) }
            try handle.synchronize()
            try handle.close()
            let total = 6000 * line.count
            let exited = await Wait.until(timeout: .seconds(30)) {
                (try? await Shell.sh("pgrep -f '[j]uicefs.*\(volume.root)' >/dev/null").exitCode) != 0
            }
            #expect(exited, "the detached juicefs client did not exit after the file was closed")

            let finish = try await volume.juicectl("down")
            #expect(finish.exitCode == 0, "\(finish.transcript)")
            #expect(finish.stdout.contains("stopped Litestream"), "\(finish.stdout)")
            #expect(try await Self.recordedLength(volume.databasePath, name: "open.log") == total)

            let scratch = "\(volume.root)/scratch.db"
            let litestream = try #require(OwnerTools.litestream, "litestream is missing (run `make setup`)")
            let restore = try await Shell.run(
                litestream,
                [
                    "restore", "-config", "\(volume.baseDir)/.juicectl/litestream.yml",
                    "-o", scratch, volume.databasePath,
                ])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            #expect(try await Self.recordedLength(scratch, name: "open.log") == total, "the replica lacks what the detached client wrote")
        }
    }
}
