import Foundation
import Testing

@testable import JuiceCtl

/// Hard links and every other kind of entry and attribute survive a checkpoint and a restore, on the real juicefs,
/// with a writer at work in the tree; compared by an independent walker (``TreeWalker``), not by juicectl's code.
@Suite(
    "Hard links and attributes through checkpoint and restore (real juicefs, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct HardLinkTests {
    static let xattrSpec = "mount:\n  options:\n    enable-xattr: true\n"
    /// The writer's file in `active/fs`, which the comparisons leave out.
    static let writerFile = "writer.log"

    /// A converged volume with xattrs on, whose `active/fs` holds the builder's tree (one name linked from outside).
    static func withBuiltTree(_ name: String, _ body: (TestVolume, String) async throws -> Void) async throws {
        try await TestVolume.with(name, extra: Self.xattrSpec) { volume in
            let apply = try await volume.juicectl("apply")
            try #require(apply.exitCode == 0, "\(apply.transcript)")
            let fs = "\(volume.mountPath)/active/fs"
            let built = try await TreeWalker.run(
                TreeWalker.builder, named: "build.py", in: volume.root,
                [fs, "\(volume.mountPath)/outside-name"])
            try #require(built.exitCode == 0, "\(built.transcript)")
            try await body(volume, fs)
        }
    }

    @Test("hard links, FIFOs, devices, symlinks, sparse files, modes, owners, ns mtimes and xattrs survive checkpoint and restore")
    func everythingSurvivesCheckpointAndRestore() async throws {
        try await Self.withBuiltTree("links-roundtrip") { volume, fs in
            try Data("start\n".utf8).write(to: URL(fileURLWithPath: "\(fs)/\(Self.writerFile)"))
            let original = try await TreeWalker.walk(fs, excluding: [Self.writerFile], scriptDirectory: volume.root)
            #expect(original.count > 25, "\(original)")
            #expect(
                Set(original.compactMap { $0.split(separator: "\t").last }).count < original.filter { !$0.hasSuffix("\t-") }.count,
                "the source has hard links")

            let writer = try await startWriter(fs, volume)
            do {
                let create = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["v1"])
                #expect(create.exitCode == 0, "\(create.transcript)")
                #expect(create.stdout.contains(", 5 hard links kept (found in "), "\(create.stdout)")
                #expect(!create.stdout.contains("walking"), "the SQLite metadata is read, not the tree: \(create.stdout)")
                #expect(writer.isRunning, "the writer kept running through the checkpoint")
                let checkpoint = try await TreeWalker.walk(
                    "\(volume.mountPath)/checkpoints/v1/fs", excluding: [Self.writerFile],
                    scriptDirectory: volume.root)
                #expect(checkpoint == original, "\(TreeWalker.difference(original, checkpoint))")

                // Change the live tree: a link broken, an entry gone, a new file, an xattr and a mode changed.
                try FileManager.default.removeItem(atPath: "\(fs)/y/two")
                try Data("replaced\n".utf8).write(to: URL(fileURLWithPath: "\(fs)/y/two"))
                try FileManager.default.removeItem(atPath: "\(fs)/three/2")
                try Data("new\n".utf8).write(to: URL(fileURLWithPath: "\(fs)/new-file"))
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(fs)/single")
                let changed = try await TreeWalker.walk(fs, excluding: [Self.writerFile], scriptDirectory: volume.root)
                #expect(changed != original)

                // The writer holds a file of /active open: the restore refuses, then terminates it when asked to.
                let refused = try await volume.juicectl("restore", spec: true, extra: ["v1"])
                #expect(refused.exitCode == 1 && refused.stdout.contains("/active is in use"), "\(refused.transcript)")
                let restore = try await volume.juicectl("restore", spec: true, extra: ["v1", "--terminate-users", "--grace", "2s"])
                #expect(restore.exitCode == 0, "\(restore.transcript)")
                #expect(restore.stdout.contains(", 5 hard links kept (found in "), "\(restore.stdout)")
                #expect(restore.stdout.contains("terminated 1 process(es) that used /active first"), "\(restore.stdout)")
                #expect(!writer.isRunning, "the writer, which used /active, was terminated before the swap")
                let restored = try await TreeWalker.walk(fs, excluding: [Self.writerFile], scriptDirectory: volume.root)
                #expect(restored == original, "\(TreeWalker.difference(original, restored))")
                #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
            } catch {
                await writer.stop()
                throw error
            }
            await writer.stop()
        }
    }

    @Test("re-linking leaves every directory's mtime (to the nanosecond) as it is in the source")
    func theRepairKeepsDirectoryTimes() async throws {
        try await TestVolume.with("links-dirtimes", extra: Self.xattrSpec) { volume in
            let apply = try await volume.juicectl("apply")
            try #require(apply.exitCode == 0, "\(apply.transcript)")
            let fs = "\(volume.mountPath)/active/fs"
            // 20 directories, each holding the second name of a file in the next one, then old ns times on each.
            let script = #"""
                import os, sys
                fs = sys.argv[1]
                for i in range(20): os.makedirs(f"{fs}/d{i}", exist_ok=True)
                for i in range(20):
                    with open(f"{fs}/d{i}/file", "w") as f: f.write(str(i))
                    os.link(f"{fs}/d{i}/file", f"{fs}/d{(i + 1) % 20}/second-of-{i}")
                for i in range(20): os.utime(f"{fs}/d{i}", ns=(1_300_000_000_000_000_000 + i, 1_350_000_000_000_000_000 + 1_000_003 * i))
                """#
            let built = try await TreeWalker.run(script, named: "dirs.py", in: volume.root, [fs])
            try #require(built.exitCode == 0, "\(built.transcript)")
            try Data("start\n".utf8).write(to: URL(fileURLWithPath: "\(fs)/\(Self.writerFile)"))
            let writer = try await startWriter(fs, volume)
            do {
                let create = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["times"])
                #expect(create.exitCode == 0, "\(create.transcript)")
                #expect(create.stdout.contains(", 20 hard links kept"), "\(create.stdout)")
            } catch {
                await writer.stop()
                throw error
            }
            await writer.stop()
            let source = try await TreeWalker.walk(fs, excluding: [Self.writerFile], scriptDirectory: volume.root)
            let copy = try await TreeWalker.walk(
                "\(volume.mountPath)/checkpoints/times/fs", excluding: [Self.writerFile],
                scriptDirectory: volume.root)
            let directories = { (lines: [String]) in lines.filter { $0.split(separator: "\t")[1] == "\(S_IFDIR)" } }
            #expect(directories(source).count == 21)
            #expect(directories(copy) == directories(source), "\(TreeWalker.difference(directories(source), directories(copy)))")
            #expect(copy == source, "\(TreeWalker.difference(source, copy))")
        }
    }

    @Test("walking the tree through the mount (Redis, PostgreSQL) finds the same groups as the SQLite metadata query")
    func theWalkAndTheQueryAgree() async throws {
        try await Self.withBuiltTree("links-walk") { volume, fs in
            let sqlite3 = try #require(
                ["/usr/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                "sqlite3 is missing (run `make setup`)")
            let scanner = HardLinkScanner(host: LiveHost(), runner: SubprocessRunner(), sqlite3: sqlite3)

            let queried = try await scanner.scan("/active", mountPath: volume.mountPath, database: volume.databasePath)
            let walked = try await scanner.scan("/active", mountPath: volume.mountPath, database: nil)

            #expect(queried.source == .metadata && queried.fallbackReason == nil, "\(queried)")
            #expect(walked.source == .walk)
            #expect(queried.groups == walked.groups, "query: \(queried.groups)\nwalk: \(walked.groups)")
            #expect(queried.linkCount == 5, "\(queried.groups)")
        }
    }

    /// Starts the writer on `fs/writer.log` and waits until it has written.
    private func startWriter(_ fs: String, _ volume: TestVolume) async throws -> BackgroundProcess {
        let python = try #require(TreeWalker.python)
        let script = "\(volume.root)/writer.py"
        try TreeWalker.writer.write(toFile: script, atomically: true, encoding: .utf8)
        let writer = try await BackgroundProcess.start(python, [script, "\(fs)/\(Self.writerFile)"])
        let log = "\(fs)/\(Self.writerFile)"
        for _ in 0..<100 {
            let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
            if size > 100 { return writer }
            try await Task.sleep(for: .milliseconds(50))
        }
        await writer.stop()
        throw WriterDidNotStart()
    }

    struct WriterDidNotStart: Error {}
}
