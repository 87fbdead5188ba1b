import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization
import Testing

/// The ownership record at real locations: an object in a real `juicefs gateway` on loopback (S3, signed by real
/// curl through the product's runner) and a real file; claimers racing as two "hosts" (two base directories).
@Suite(
    "owner-record: claims, races, takeover and faults on a real S3 gateway and a real file", .serialized,
    .enabled(if: Prerequisites.enabled))
struct OwnershipStoreTests {
    typealias Kind = OwnerHosts.Kind

    /// Runs `body` with hosts on a fresh record of `kind` (and the gateway, for S3), everything removed afterwards.
    private func withHosts(_ kind: Kind, _ name: String, _ body: (OwnerHosts, S3Gateway?) async throws -> Void) async throws {
        try Prerequisites.require()
        let gateway: S3Gateway? = kind == .s3 ? try S3Gateway(id: "owner-\(LoopbackServers.newID())") : nil
        do {
            try await gateway?.start()
            try await gateway?.makeBucket(OwnerHosts.bucket)
            let hosts = try OwnerHosts(kind, name: name, gateway: gateway)
            defer { hosts.remove() }
            try await body(hosts, gateway)
            try Self.expectNoKeyShown(hosts)
        } catch {
            await gateway?.stop()
            throw error
        }
        await gateway?.stop()
    }

    /// No key in any command line, display string or output of the runner.
    private static func expectNoKeyShown(_ hosts: OwnerHosts) throws {
        for command in hosts.runner.commands {
            #expect(command.arguments == ["-q", "--config", "-"], "\(command)")
            for key in hosts.keys {
                #expect(!command.displayString.contains(key) && !"\(command)".contains(key) && !String(reflecting: command).contains(key))
            }
        }
        for result in hosts.runner.results {
            for key in hosts.keys { #expect(!result.stdout.contains(key) && !result.stderr.contains(key)) }
        }
    }

    @Test("owner-roundtrip: no record, then what was written, then what was written over it", arguments: Kind.allCases)
    func roundTrip(_ kind: Kind) async throws {
        try await withHosts(kind, "roundtrip") { hosts, gateway in
            let store = try hosts.store()
            #expect(try await store.read() == nil)
            let identity = OwnershipIdentity(host: "h", machineId: "m", bootId: "b", instance: "instance-x", pid: 1)
            let first = OwnershipRecord(
                volume: OwnerHosts.volume, uuid: "u", owner: identity, generation: 1, since: Date(),
                state: .owned, nonce: "n1")
            try await store.write(first)
            #expect(try await store.read() == first)
            var second = first
            second.generation = 2
            second.nonce = "n2 \"quoted\" \\ back"
            try await store.write(second)
            #expect(try await store.read() == second)
            if let gateway {
                let keys = try await gateway.objectKeys(in: OwnerHosts.bucket, prefix: "owner/roundtrip/")
                #expect(keys == ["owner/roundtrip/owner-vol.juicectl-owner.json"], "next to the prefix, not inside it")
            } else {
                let directory = (hosts.recordName as NSString).deletingLastPathComponent
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["juicectl-owner.json"])
                let mode = try FileManager.default.attributesOfItem(atPath: hosts.recordName)[.posixPermissions] as? Int
                #expect(mode == 0o600)
            }
        }
    }

    @Test("owner-s3-errors: a wrong key and a missing bucket are typed errors naming the URL, without a key")
    func s3Errors() async throws {
        try await withHosts(.s3, "errors") { hosts, gateway in
            let gateway = try #require(gateway)
            let url = gateway.bucketURL(OwnerHosts.bucket) + "/owner/errors/owner-vol.juicectl-owner.json"
            let wrong = try S3OwnershipStore(
                object: .init(
                    bucket: gateway.bucketURL(OwnerHosts.bucket), key: "owner/errors/owner-vol.juicectl-owner.json",
                    region: "us-east-1", accessKey: .env("AK"), secretKey: .env("SK")),
                volume: OwnerHosts.volume, runner: hosts.runner, curl: Prerequisites.curl!,
                secrets: SecretResolver(environment: ["AK": gateway.accessKey, "SK": "wrong-secret-value-123"], readFile: { _ in nil }))
            await #expect {
                _ = try await wrong.read()
            } throws: { error in
                let text = "\(error)"
                return text.contains("s3 \(url)") && text.contains("HTTP 403 SignatureDoesNotMatch")
                    && !text.contains("wrong-secret-value-123") && !text.contains(gateway.secretKey)
            }
            let missing = try S3OwnershipStore(
                object: .init(
                    bucket: gateway.bucketURL("owner-no-such-bucket"), key: "k.juicectl-owner.json", region: "us-east-1",
                    accessKey: .env("OWNER_IT_AK"), secretKey: .file("\(hosts.root)/secret-key")),
                volume: OwnerHosts.volume, runner: hosts.runner, curl: Prerequisites.curl!, secrets: hosts.secrets)
            await #expect {
                _ = try await missing.read()
            } throws: { error in
                "\(error)".contains("HTTP 404 NoSuchBucket") && "\(error)".contains("Create the bucket")
            }
        }
    }

    /// Each round: the winner's next claim is alreadyOwned, the loser's release is refused, the winner's release lets
    /// the other host claim.
    @Test("owner-race: two hosts claim at the same instant, 10 rounds: exactly one winner each round", arguments: Kind.allCases)
    func twoHostsRace(_ kind: Kind) async throws {
        try await withHosts(kind, "race") { hosts, _ in
            var latencies: [Duration] = []
            var losers: [String: Int] = [:]
            var generation: UInt64 = 0
            for round in 1...10 {
                let a = try await hosts.claim("a")
                let b = try await hosts.claim("b")
                let start = ContinuousClock.now + .milliseconds(200)
                async let outcomeA = Self.claim(a, at: start)
                async let outcomeB = Self.claim(b, at: start)
                let outcomes = try await [outcomeA, outcomeB]
                let winners = outcomes.filter { $0.outcome.owns }
                #expect(winners.count == 1, "round \(round): \(outcomes.map(\.outcome))")
                guard let winner = winners.first, let record = winner.outcome.record else { continue }
                latencies.append(winner.took)
                #expect(record.generation == generation + 1, "round \(round)")
                generation = record.generation
                let loser = outcomes.first { !$0.outcome.owns }!
                switch loser.outcome {
                case .ownedElsewhere(let seen, nil):
                    #expect(seen.instance == record.instance)
                    losers["ownedElsewhere", default: 0] += 1
                case .lostRace:
                    losers["lostRace", default: 0] += 1
                default: Issue.record("round \(round): the loser ended \(loser.outcome)")
                }
                let (winnerClaim, loserClaim) = record.instance == a.identity.instance ? (a, b) : (b, a)
                #expect(try await winnerClaim.claim() == .alreadyOwned(record))
                #expect(try await hosts.owners(["a", "b"]).count == 1)
                #expect(try await loserClaim.release() == .notOwner(record))
                guard case .released(let released) = try await winnerClaim.release() else {
                    Issue.record("round \(round): the winner could not release")
                    continue
                }
                #expect(released.generation == record.generation && released.state == .released)
                #expect(try await hosts.owners(["a", "b"]).isEmpty)
            }
            // After the last release, the other host claims at once.
            let other = try await hosts.claim("b").claim()
            #expect(other.owns && other.record?.generation == generation + 1)
            latencies.sort()
            print(
                "owner-figures \(kind): a winning claim with a 2 s settle took min \(latencies.first!.milliseconds) ms, "
                    + "median \(latencies[latencies.count / 2].milliseconds) ms, max \(latencies.last!.milliseconds) ms over "
                    + "\(latencies.count) rounds; the losers: \(losers.sorted { $0.key < $1.key })")
        }
    }

    /// Waits until `start`, then claims; returns the outcome and how long the claim took.
    private static func claim(
        _ claim: OwnershipClaim,
        at start: ContinuousClock.Instant
    ) async throws -> (outcome: ClaimOutcome, took: Duration) {
        try await Task.sleep(until: start, clock: .continuous)
        let began = ContinuousClock.now
        let outcome = try await claim.claim()
        return (outcome, ContinuousClock.now - began)
    }

    @Test("owner-takeover: a host takes over from one that is gone; that one, back, is fenced", arguments: Kind.allCases)
    func takeover(_ kind: Kind) async throws {
        try await withHosts(kind, "takeover") { hosts, _ in
            let a = try await hosts.claim("a")
            let b = try await hosts.claim("b")
            guard case .claimed(let first) = try await a.claim() else {
                Issue.record("a did not claim")
                return
            }
            guard case .ownedElsewhere(first, nil) = try await b.claim() else {
                Issue.record("b did not see a")
                return
            }
            guard case .claimed(let taken) = try await b.takeover() else {
                Issue.record("b did not take over")
                return
            }
            #expect(taken.generation == first.generation + 1 && taken.instance == b.identity.instance)
            #expect(try await a.claim() == .ownedElsewhere(taken, fencedGeneration: first.generation))
            #expect(try await a.standing() == .fenced(by: taken, lostGeneration: first.generation))
            #expect(try await a.release() == .notOwner(taken))
            #expect(try await hosts.owners(["a", "b"]) == ["b"])
            guard case .released = try await b.release() else {
                Issue.record("b could not release")
                return
            }
            let again = try await a.claim()
            #expect(again.owns && again.record?.generation == taken.generation + 1)
        }
    }

    @Test(
        "owner-killed: a claim stopped at each step (as by SIGKILL), then both hosts claim: one owner, never two",
        arguments: Kind.allCases)
    func killedClaims(_ kind: Kind) async throws {
        for stop in ["read", "wrote", "settled", "readBack"] {
            try await withHosts(kind, "killed-\(stop.lowercased())") { hosts, _ in
                let cancel: @Sendable (OwnershipStep) -> Void = { step in
                    if step.name == stop { withUnsafeCurrentTask { $0?.cancel() } }
                }
                let killed = try await hosts.claim("a", progress: cancel)
                await #expect(throws: CancellationError.self) { _ = try await Task { try await killed.claim() }.value }
                let b = try await hosts.claim("b").claim()
                let a = try await hosts.claim("a").claim()
                #expect(b.owns != a.owns, "\(stop): a \(a), b \(b)")
                let expected = stop == "read" ? "b owns: a's write never happened" : "a owns: its unconfirmed write holds"
                #expect(stop == "read" ? b.owns : a.owns, "\(stop): \(expected)")
                #expect(try await hosts.owners(["a", "b"]).count == 1, "\(stop)")
            }
        }
    }

    @Test("owner-deadline: a hung gateway is a typed timeout within the deadline, a stopped one a typed error at once")
    func gatewayDown() async throws {
        try await withHosts(.s3, "deadline") { hosts, gateway in
            let gateway = try #require(gateway)
            let pid = try #require(await gateway.processIDs().first)
            let store = try hosts.store()
            kill(pid, SIGSTOP)
            let began = ContinuousClock.now
            // While curl waits on the hung gateway, what every local user can read of it holds no key.
            let peek = Task {
                try await Task.sleep(for: .milliseconds(700))
                return Self.curlProcesses()
            }
            await #expect {
                _ = try await store.read(deadline: .seconds(2))
            } throws: { error in
                guard let error = error as? OwnershipStoreError, case .timedOut = error.problem else { return false }
                return "\(error)".contains("no answer within 2 s")
            }
            let hung = ContinuousClock.now - began
            let seen = try await peek.value
            #expect(seen.contains { $0.commandLine == "curl -q --config -" }, "no curl seen: \(seen.map(\.commandLine))")
            for process in seen {
                for key in hosts.keys {
                    #expect(!process.commandLine.contains(key) && !process.environment.contains(key), "a key in curl's /proc")
                }
            }
            #expect(hung < .seconds(3), "took \(hung)")
            let claim = try await hosts.claim("a", readDeadline: .seconds(2))
            let claimBegan = ContinuousClock.now
            await #expect(throws: OwnershipStoreError.self) { _ = try await claim.claim() }
            #expect(ContinuousClock.now - claimBegan < .seconds(3))
            kill(pid, SIGCONT)
            #expect(try await store.read() == nil, "answers again")
            await gateway.stop()
            let stoppedBegan = ContinuousClock.now
            await #expect {
                _ = try await store.read(deadline: .seconds(5))
            } throws: { error in
                guard let error = error as? OwnershipStoreError, case .unreachable = error.problem else { return false }
                return "\(error)".contains("Check the bucket URL and that the endpoint is up")
            }
            let stopped = ContinuousClock.now - stoppedBegan
            #expect(stopped < .seconds(1), "took \(stopped)")
            print(
                "owner-figures deadline: a hung gateway answered in \(hung.shortText) with a 2 s deadline, "
                    + "a stopped one in \(stopped.shortText)")
        }
    }

    @Test("owner-tls: an HTTPS endpoint whose certificate this host does not trust is refused, with what to do")
    func untrustedCertificate() async throws {
        try Prerequisites.require()
        let directory = try LoopbackServers.makeDirectory("owner-tls-\(LoopbackServers.newID())")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try await Shell.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-keyout", "\(directory)/key.pem",
                "-out", "\(directory)/cert.pem",
            ])
        #expect(made.exitCode == 0, "\(made.transcript)")
        let port = try LoopbackServers.freePort()
        let server = try ServerProcess(
            name: "openssl s_server", executable: "/usr/bin/openssl",
            arguments: [
                "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", "\(directory)/cert.pem",
                "-key", "\(directory)/key.pem", "-www",
            ],
            logPath: "\(directory)/s_server.log")
        defer { Task { await server.stop() } }
        try await LoopbackServers.waitUntilReady(server, timeout: .seconds(10)) {
            LoopbackServers.exchange(port: port, "", timeout: .milliseconds(200)) != nil
        }
        let store = try S3OwnershipStore(
            object: .init(
                bucket: "https://127.0.0.1:\(port)/bucket", key: "k.juicectl-owner.json", region: "us-east-1",
                accessKey: .env("AK"), secretKey: .env("SK")),
            volume: OwnerHosts.volume, runner: SubprocessRunner(), curl: Prerequisites.curl!,
            secrets: SecretResolver(environment: ["AK": "tls-access-key", "SK": "tls-secret-key"], readFile: { _ in nil }))
        await #expect {
            _ = try await store.read(deadline: .seconds(5))
        } throws: { error in
            guard let error = error as? OwnershipStoreError, case .tls = error.problem else { return false }
            let text = "\(error)"
            return text.contains("SSL certificate problem") && text.contains("CA certificate") && !text.contains("tls-secret-key")
        }
        await server.stop()
    }

    /// The command line and environment of every curl process now, as any local user (command line) or root
    /// (environment) reads them in /proc.
    static func curlProcesses() -> [(commandLine: String, environment: String)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard Int32(entry) != nil, let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                line.starts(with: Data("curl".utf8)) || String(decoding: line, as: UTF8.self).contains("/curl\u{0}")
            else { return nil }
            let words = line.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let name = (words.first.map { ($0 as NSString).lastPathComponent } ?? "")
            guard name == "curl" else { return nil }
            let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            let environment = environ.map { String(decoding: $0, as: UTF8.self) } ?? ""
            return (([name] + words.dropFirst()).joined(separator: " "), environment)
        }
    }

}
