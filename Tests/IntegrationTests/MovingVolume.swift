import Foundation
import JuiceCtl
import Testing

/// One volume that moves between two "hosts": two base directories (and mount points) on this machine, each with
/// a spec of its own that names the same volume, S3 storage and an S3 replica on one `juicefs gateway` on loopback.
/// What one host leaves on its disk the other never sees: only the bucket is shared.
struct MovingVolume: Sendable {
    /// Host A and host B.
    let a: TestVolume
    let b: TestVolume
    /// The store both use.
    let gateway: S3Gateway
    /// The environment juicectl runs with (the access key by reference).
    let environment: [String: String]

    /// Runs `body` with a fresh pair and a started gateway; everything goes afterwards, also when `body` fails.
    static func with(_ name: String, extra: String = "", _ body: (MovingVolume) async throws -> Void) async throws {
        try Prerequisites.require()
        let gateway = try S3Gateway()
        try await gateway.start()
        let a = try TestVolume("\(name)-a", volumeName: name)
        let b = try TestVolume("\(name)-b", volumeName: name)
        let pair = MovingVolume(a: a, b: b, gateway: gateway, environment: ["JUICECTL_IT_S3_KEY": gateway.accessKey])
        do {
            try await gateway.makeBucket("mv-\(name)")
            for host in [a, b] {
                let secret = "\(host.root)/s3-secret"
                try (gateway.secretKey + "\n").write(toFile: secret, atomically: true, encoding: .utf8)
                chmod(secret, 0o600)
                try host.writeSpec(pair.spec(host, bucket: "mv-\(name)") + extra)
            }
            try await body(pair)
        } catch {
            await pair.tearDown()
            throw error
        }
        await pair.tearDown()
    }

    /// The spec keys of `host`: objects and the metadata replica in one bucket.
    func spec(_ host: TestVolume, bucket: String) -> String {
        """
        storage:
          type: s3
          bucket: \(gateway.bucketURL(bucket))
          accessKey: {env: JUICECTL_IT_S3_KEY}
          secretKey: {file: \(host.root)/s3-secret}
        backup:
          replica:
            type: s3
            bucket: \(gateway.bucketURL(bucket))
            accessKey: {env: JUICECTL_IT_S3_KEY}
            secretKey: {file: \(host.root)/s3-secret}

        """
    }

    /// `juicectl ARGUMENTS... SPEC` on `host`.
    @discardableResult
    func juicectl(_ host: TestVolume, _ arguments: String..., extra: [String] = []) async throws -> CommandResult {
        try await Shell.run(Prerequisites.juicectl!, arguments + [host.specPath] + extra, environment: environment)
    }

    /// A host's crash: its juicefs and Litestream processes killed with SIGKILL, its mount left stale, no `down`.
    func crash(_ host: TestVolume) async throws {
        // The brackets keep pkill from matching the shell that runs it (which would end the script early).
        _ = try await Shell.sh("pkill -9 -f '[j]uicefs.*\(host.root)' || true; pkill -9 -f '[l]itestream.*\(host.root)' || true; sleep 1")
    }

    /// Whether `host` runs the volume now: its mount answers, or its Litestream runs.
    func runs(_ host: TestVolume) async throws -> Bool {
        let mounted = host.mountEntries().contains { $0.mountPoint == host.mountPath && $0.fstype == "fuse.juicefs" }
        // The bracket keeps pgrep from finding the shell that runs it.
        let litestream = try await Shell.sh("pgrep -f '[l]itestream replicate -config \(host.baseDir)/' >/dev/null").exitCode == 0
        return mounted || litestream
    }

    /// Waits until `host`'s replica has caught up with its database (its `status` says so), up to 30 s.
    func waitForReplica(_ host: TestVolume) async throws {
        let caught = await Wait.until(timeout: .seconds(30)) {
            guard let text = try? await juicectl(host, "status", "--json").stdout,
                let volume = try? JSONOutput.firstVolume(text)
            else { return false }
            let backup = (volume["observation"] as? [String: Any])?["backup"] as? [String: Any]
            guard let local = backup?["localTXID"] as? Int, let replica = backup?["replicaTXID"] as? Int else { return false }
            return replica >= local && replica > 0
        }
        #expect(caught, "the replica of \(host.name) did not catch up")
    }

    func tearDown() async {
        await a.tearDown()
        await b.tearDown()
        await gateway.stop()
    }
}
