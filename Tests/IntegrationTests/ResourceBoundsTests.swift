import Foundation
import JuiceCtl
import Testing

/// Large catalogs, deep trees, long and non-ASCII names, and paths with spaces (which mountinfo escapes). How fast
/// `checkpoint list` and `plan` are with 10,000 checkpoints is measured by `make bench`, not here.
@Suite("Resource bounds (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct ResourceBoundsTests {
    @Test("10,000 checkpoints in the catalog: list shows them all, plan stays converged, create and delete still work")
    func tenThousandCheckpoints() async throws {
        try await TestVolume.with("bounds-catalog") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            try "x\n".write(toFile: "\(volume.mountPath)/active/fs/x", atomically: false, encoding: .utf8)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["seed"]).exitCode == 0)
            // What the catalog reads of a checkpoint is its directory and its manifest: 10,000 of them are made
            // from the real one (a juicefs clone each would take minutes).
            let checkpoints = "\(volume.mountPath)/checkpoints"
            let manifests = "\(checkpoints)/.juicectl/manifests"
            let seed =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(manifests)/seed.json"))) as? [String: Any]
                ?? [:]
            let formatter = ISO8601DateFormatter()
            let start = Date(timeIntervalSinceNow: -10_001 * 60)
            for index in 1...10_000 {
                let name = String(format: "bulk-%05d", index)
                var manifest = seed
                manifest["name"] = name
                manifest["createdAt"] = formatter.string(from: start.addingTimeInterval(Double(index) * 60))
                try FileManager.default.createDirectory(atPath: "\(checkpoints)/\(name)/fs", withIntermediateDirectories: true)
                try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(
                    to: URL(fileURLWithPath: "\(manifests)/\(name).json"))
            }

            let list = try await volume.juicectl("checkpoint", "list", spec: true, extra: ["--json"])
            #expect(list.exitCode == 0, "\(list.stderr)")
            let entries = (try JSONOutput.object(list.stdout)["checkpoints"] as? [[String: Any]]) ?? []
            #expect(entries.count == 10_001)
            #expect(entries.last?["name"] as? String == "seed", "newest last")
            let plan = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(plan.exitCode == 0, "\(plan.transcript)")
            let create = try await volume.juicectl("checkpoint", "create", spec: true, extra: ["after"])
            #expect(create.exitCode == 0, "\(create.transcript)")
            let delete = try await volume.juicectl("checkpoint", "delete", spec: true, extra: ["bulk-00001"])
            #expect(delete.exitCode == 0, "\(delete.transcript)")
            let again = try JSONOutput.object(try await volume.juicectl("checkpoint", "list", spec: true, extra: ["--json"]).stdout)
            #expect((again["checkpoints"] as? [Any])?.count == 10_001)

            // This host caches manifests by their file's inode: a manifest replaced (a new file renamed over it) is
            // read again, not served from the cache.
            var replaced = seed
            replaced["note"] = "replaced after caching"
            let temporary = "\(manifests)/.seed.json.tmp"
            try JSONSerialization.data(withJSONObject: replaced, options: [.sortedKeys]).write(to: URL(fileURLWithPath: temporary))
            #expect(rename(temporary, "\(manifests)/seed.json") == 0)
            let fresh = try JSONOutput.object(try await volume.juicectl("checkpoint", "list", spec: true, extra: ["--json"]).stdout)
            let seedEntry = (fresh["checkpoints"] as? [[String: Any]])?.first { $0["name"] as? String == "seed" }
            #expect("\(seedEntry ?? [:])".contains("replaced after caching"), "\(String(describing: seedEntry))")
        }
    }

    @Test("a 200-level deep tree with 255-byte, non-ASCII and space-holding names checkpoints and restores byte-identical")
    func deepTreeAndLongNames() async throws {
        try await TestVolume.with("bounds-deep") { volume in
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            var path = fs
            for level in 0..<200 { path += "/d\(level)" }
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "bottom\n".write(toFile: "\(path)/leaf.txt", atomically: false, encoding: .utf8)
            let long = String(repeating: "n", count: 251) + ".txt" // 255 bytes, the NAME_MAX of most filesystems
            try "long\n".write(toFile: "\(fs)/\(long)", atomically: false, encoding: .utf8)
            for name in ["Grüße aus Köln.txt", "日本語のファイル", "emoji 🚀 name", "  leading and trailing  ", "tab\tand\\backslash"] {
                try "\(name)\n".write(toFile: "\(fs)/\(name)", atomically: false, encoding: .utf8)
            }
            let tree = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["deep"]).exitCode == 0)
            try FileManager.default.removeItem(atPath: "\(fs)/d0")
            try FileManager.default.removeItem(atPath: "\(fs)/\(long)")
            let restore = try await volume.juicectl("restore", spec: true, extra: ["deep"])
            #expect(restore.exitCode == 0, "\(restore.transcript)")
            #expect(try FileTree.read(fs) == tree)
            #expect(try FileTree.read("\(volume.mountPath)/checkpoints/deep/fs") == tree)
        }
    }

    @Test("a base directory with spaces and non-ASCII characters (escaped in mountinfo) converges, checkpoints, restores and goes down")
    func spacesAndNonASCIIInPaths() async throws {
        try await TestVolume.with("bounds-names", baseDirName: "base dir ü\tend") { volume in
            let apply = try await volume.juicectl("apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(
                volume.mountEntries().contains { $0.mountPoint == volume.mountPath }, "mountinfo is not read back: \(volume.mountEntries())"
            )
            let raw = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            #expect(raw.contains("base\\040dir\\040ü\\011end"), "the kernel escapes space and tab in mountinfo")
            #expect(try await volume.juicectl("plan", "--detailed-exitcode").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try "one\n".write(toFile: "\(fs)/f", atomically: false, encoding: .utf8)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["c1"]).exitCode == 0)
            try "two\n".write(toFile: "\(fs)/f", atomically: false, encoding: .utf8)
            #expect(try await volume.juicectl("restore", spec: true, extra: ["c1"]).exitCode == 0)
            #expect(try String(contentsOfFile: "\(fs)/f", encoding: .utf8) == "one\n")
            let status = try await volume.juicectl("status")
            #expect(status.exitCode == 0, "\(status.transcript)")
            let down = try await volume.juicectl("down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            #expect(volume.mountEntries().isEmpty)
        }
    }
}
