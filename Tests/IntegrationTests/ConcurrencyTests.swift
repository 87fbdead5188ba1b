import Foundation
import JuiceCtl
import Testing

/// Several commands on one volume at once: they run one after another, each succeeds or fails saying who holds
/// the volume, and the volume ends consistent.
@Suite("Concurrent commands on one volume (real juicefs, as root)", .serialized, .enabled(if: Prerequisites.enabled))
struct ConcurrencyTests {
    /// Starts every command at once and returns their results, in the order given.
    private func together(_ commands: [[String]]) async throws -> [CommandResult] {
        try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
            for (index, arguments) in commands.enumerated() {
                group.addTask { (index, try await Shell.run(Prerequisites.juicectl!, arguments)) }
            }
            var results = [CommandResult?](repeating: nil, count: commands.count)
            for try await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }

    @Test(
        "applies, checkpoint creates and a restore started at once: each succeeds or names the lock's holder, and every tree is whole",
        arguments: ["120s", "200ms"])
    func mixedCommandsAreSerialised(lockTimeout: String) async throws {
        try await TestVolume.with("concurrent-mix") { volume in
            let spec = volume.specPath
            #expect(try await volume.juicectl("apply").exitCode == 0)
            let fs = "\(volume.mountPath)/active/fs"
            try FileTree.write(fs, count: 60, seed: 31)
            let v1 = try FileTree.read(fs)
            #expect(try await volume.juicectl("checkpoint", "create", spec: true, extra: ["c1"]).exitCode == 0)
            try FileTree.change(fs)
            let v2 = try FileTree.read(fs)

            let timeout = ["--lock-timeout", lockTimeout]
            let commands = [
                ["apply", spec] + timeout, ["checkpoint", "create", spec, "c2"] + timeout, ["restore", spec, "c1"] + timeout,
                ["checkpoint", "create", spec, "c3"] + timeout, ["apply", spec] + timeout, ["checkpoint", "create", spec, "c4"] + timeout,
            ]
            let results = try await together(commands)
            var succeeded: [String] = []
            for (arguments, result) in zip(commands, results) {
                if result.exitCode == 0 {
                    succeeded.append(arguments.prefix(3).joined(separator: " "))
                } else {
                    #expect(
                        result.stderr.contains("volume is locked by pid") && result.stderr.contains("raise --lock-timeout"),
                        "\(arguments.joined(separator: " ")) failed otherwise: \(result.transcript)")
                }
            }
            if lockTimeout == "120s" {
                #expect(succeeded.count == commands.count, "with time to wait, every command succeeds: \(succeeded)")
            } else {
                #expect(!succeeded.isEmpty && succeeded.count < commands.count, "with 200 ms, some hold and some give up: \(succeeded)")
            }

            // Consistent: converged; /active is the restored tree exactly when the restore succeeded; every checkpoint
            // holds one of the two trees; the tree a restore replaced is kept.
            let plan = try await volume.juicectl("plan", "--detailed-exitcode")
            #expect(plan.exitCode == 0, "\(plan.transcript)")
            let restored = succeeded.contains { $0.hasPrefix("restore") }
            #expect(try FileTree.read(fs) == (restored ? v1 : v2))
            let checkpoints = "\(volume.mountPath)/checkpoints"
            let names = try FileManager.default.contentsOfDirectory(atPath: checkpoints).filter { !$0.hasPrefix(".") }
            for name in names {
                let tree = try FileTree.read("\(checkpoints)/\(name)/fs")
                #expect(tree == v1 || tree == v2, "checkpoint \(name) holds neither tree")
            }
            for (arguments, result) in zip(commands, results) where arguments[0] == "checkpoint" {
                let name = arguments[3]
                let ok = result.exitCode == 0
                #expect(names.contains(name) == ok, "checkpoint \(name): exists \(names.contains(name)), reported success \(ok)")
            }
            if restored { #expect(names.contains { $0.hasPrefix("pre-restore-") }, "the replaced tree was not kept") }
            let list = try await volume.juicectl("checkpoint", "list", "--json")
            #expect(list.exitCode == 0, "\(list.transcript)")
        }
    }
}
