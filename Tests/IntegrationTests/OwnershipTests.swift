import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// One host at a time: a volume with SQLite metadata and an S3 replica moves between two hosts with every byte, and
/// two hosts never run it at once (real juicefs, litestream and an S3 gateway on loopback, as root).
@Suite("Ownership of a volume that moves between hosts", .serialized, .enabled(if: Prerequisites.enabled))
struct OwnershipTests {
    /// Whether `result` is a refusal because the other host owns the volume (the conflict, or a claim that lost).
    static func refusedAsOwnedElsewhere(_ result: CommandResult) -> Bool {
        result.exitCode != 0 && (result.stdout.contains("is owned by") || result.stdout.contains("another host claimed"))
    }

    @Test("B refuses while A owns the volume; after A's down, B owns it with every byte and every checkpoint")
    func theVolumeMovesAfterDown() async throws {
        try await MovingVolume.with("own-move") { pair in
            try #require(try await pair.juicectl(pair.a, "apply").exitCode == 0)
            let fs = "\(pair.a.mountPath)/active/fs"
            try FileTree.write(fs, count: 120, seed: 5)
            try #require(try await pair.juicectl(pair.a, "checkpoint", "create", extra: ["moved"]).exitCode == 0)
            let tree = try FileTree.read(fs)

            let refused = try await pair.juicectl(pair.b, "apply")
            #expect(Self.refusedAsOwnedElsewhere(refused), "\(refused.transcript)")
            #expect(refused.stdout.contains(ProcessInfo.processInfo.hostName), "the owner is named: \(refused.stdout)")
            #expect(refused.stdout.contains("juicectl down on that host"), "\(refused.stdout)")
            #expect(!(try await pair.runs(pair.b)), "B started something while A owns the volume")
            let plan = try await pair.juicectl(pair.b, "plan")
            #expect(Self.refusedAsOwnedElsewhere(plan), "\(plan.transcript)")

            let down = try await pair.juicectl(pair.a, "down")
            #expect(down.exitCode == 0, "\(down.transcript)")
            #expect(down.stdout.contains("release ownership"), "\(down.stdout)")

            let apply = try await pair.juicectl(pair.b, "apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(try FileTree.read("\(pair.b.mountPath)/active/fs") == tree, "B does not see what A wrote")
            #expect(FileManager.default.fileExists(atPath: "\(pair.b.mountPath)/checkpoints/moved"))
            let refusedA = try await pair.juicectl(pair.a, "apply")
            #expect(Self.refusedAsOwnedElsewhere(refusedA), "now A is the one that waits: \(refusedA.transcript)")
        }
    }

    @Test("A crashes: B refuses until takeover; A, back, is fenced by apply and by run; later A owns it again and sees what B wrote")
    func aCrashedOwnerIsTakenOverAndFenced() async throws {
        try await MovingVolume.with("own-crash") { pair in
            try #require(try await pair.juicectl(pair.a, "apply").exitCode == 0)
            try FileTree.write("\(pair.a.mountPath)/active/fs", count: 60, seed: 9)
            let written = try FileTree.read("\(pair.a.mountPath)/active/fs")
            // Litestream ships the WAL every second: give it two, then wait for the replica to have it all.
            try await Task.sleep(for: .seconds(3))
            try await pair.waitForReplica(pair.a)
            try await pair.crash(pair.a)

            #expect(Self.refusedAsOwnedElsewhere(try await pair.juicectl(pair.b, "apply")))
            let noTerminal = try await pair.juicectl(pair.b, "takeover")
            #expect(
                noTerminal.exitCode != 0 && (noTerminal.stdout + noTerminal.stderr).contains("--yes"),
                "takeover asks for --yes: \(noTerminal.transcript)")
            let takeover = try await pair.juicectl(pair.b, "takeover", extra: ["--yes"])
            #expect(takeover.exitCode == 0, "\(takeover.transcript)")
            let apply = try await pair.juicectl(pair.b, "apply")
            #expect(apply.exitCode == 0, "\(apply.transcript)")
            #expect(try FileTree.read("\(pair.b.mountPath)/active/fs") == written, "B lost what A had replicated")

            // A comes back: its apply neither mounts nor replicates.
            let status = try await pair.juicectl(pair.a, "status", "--json")
            let fenced = try await pair.juicectl(pair.a, "apply")
            let seen = ((try? JSONOutput.firstVolume(status.stdout))?["observation"] as? [String: Any])?["ownership"]
            #expect(Self.refusedAsOwnedElsewhere(fenced), "\(fenced.transcript)\nownership seen by status: \(String(describing: seen))")
            #expect(try await pair.juicectl(pair.b, "status").exitCode == 0, "fencing A touched B's volume")
            #expect(!(try await pair.runs(pair.a)), "A runs the volume although B owns it")

            // B writes more, and goes; A owns the volume again and starts from the replica, not its old database.
            try FileTree.write("\(pair.b.mountPath)/active/fs/from-b", count: 30, seed: 11)
            let later = try FileTree.read("\(pair.b.mountPath)/active/fs")
            #expect(try await pair.juicectl(pair.b, "down").exitCode == 0)
            let back = try await pair.juicectl(pair.a, "apply")
            #expect(back.exitCode == 0, "\(back.transcript)")
            #expect(back.stdout.contains("refresh metadata"), "A restored from the replica: \(back.stdout)")
            #expect(try FileTree.read("\(pair.a.mountPath)/active/fs") == later, "A does not see every byte B wrote")
            let aside = (try? FileManager.default.contentsOfDirectory(atPath: "\(pair.a.baseDir)/.juicectl")) ?? []
            #expect(aside.contains { $0.hasPrefix("stale-metadata-") }, "A's old database was not kept aside: \(aside)")
        }
    }

    @Test("a run pass on a host whose volume was taken over fences it: Litestream and the mount stop without writing")
    func theDaemonOfAFencedHostStops() async throws {
        try await MovingVolume.with("own-fence") { pair in
            try await DaemonProcess.with(
                [pair.a.specPath, "--interval", "3s"], logPath: "\(pair.a.root)/daemon.log",
                environment: pair.environment
            ) { daemon in
                #expect(await Wait.until(timeout: .seconds(60)) { pair.a.reportedReady }, "\(daemon.log)")
                try await pair.waitForReplica(pair.a)
                let takeover = try await pair.juicectl(pair.b, "takeover", extra: ["--yes"])
                #expect(takeover.exitCode == 0, "\(takeover.transcript)")
                let stopped = await Wait.until(timeout: .seconds(20)) { (try? await pair.runs(pair.a)) == false }
                #expect(stopped, "A's reconciler kept running the volume\n\(daemon.log)")
                let fencedByRun = await Wait.until(timeout: .seconds(20)) {
                    pair.a.events.contains { $0.action == "fence-volume" && $0.result == "done" }
                }
                #expect(fencedByRun, "\(pair.a.events.map(\.message))\n\(daemon.log)")
                let reported = await Wait.until(timeout: .seconds(15)) {
                    pair.a.runStatus?.condition(.degraded)?.reason == .conflict(.volumeOwnedElsewhere)
                }
                #expect(reported, "\(String(describing: pair.a.runStatus?.conditions))")
                let apply = try await pair.juicectl(pair.b, "apply")
                #expect(apply.exitCode == 0, "\(apply.transcript)")
            }
        }
    }

    @Test("two applies started at the same instant on A and B: exactly one owns and runs the volume", arguments: 1...3)
    func racingAppliesMakeOneOwner(round: Int) async throws {
        try await MovingVolume.with("own-race-\(round)") { pair in
            async let first = pair.juicectl(pair.a, "apply")
            async let second = pair.juicectl(pair.b, "apply")
            let (a, b) = try await (first, second)
            let winners = [a, b].filter { $0.exitCode == 0 }
            #expect(winners.count == 1, "A: \(a.transcript)\nB: \(b.transcript)")
            #expect([a, b].filter(Self.refusedAsOwnedElsewhere).count == 1)
            let running = try await [pair.runs(pair.a), pair.runs(pair.b)].filter { $0 }.count
            #expect(running == 1, "\(running) hosts run the volume")
        }
    }

    @Test(
        "SIGKILL at each step of claiming and releasing ownership: the same command again converges, never two owners",
        arguments: ["ownership.after-read", "ownership.after-write", "ownership.after-settle", "ownership.after-release"])
    func killedWhileClaimingOrReleasing(point: String) async throws {
        try await MovingVolume.with("own-kill-\(point.split(separator: "-").last ?? "")") { pair in
            let releasing = point == "ownership.after-release"
            if releasing { try #require(try await pair.juicectl(pair.a, "apply").exitCode == 0) }
            let command = releasing ? "down" : "apply"
            let killed = try await Shell.run(
                Prerequisites.juicectl!, [command, pair.a.specPath],
                environment: pair.environment.merging(["JUICECTL_FAULT_AT": point]) { $1 })
            #expect(killed.termination == .signaled(9), "\(killed.transcript)")
            let again = try await pair.juicectl(pair.a, command)
            #expect(again.exitCode == 0, "\(again.transcript)")
            let b = try await pair.juicectl(pair.b, "apply")
            if releasing {
                #expect(b.exitCode == 0, "A released the volume, so B owns it: \(b.transcript)")
            } else {
                #expect(Self.refusedAsOwnedElsewhere(b), "A owns the volume, so B waits: \(b.transcript)")
            }
            let running = try await [pair.runs(pair.a), pair.runs(pair.b)].filter { $0 }.count
            #expect(running == 1, "\(running) hosts run the volume")
        }
    }
}
