import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A juicefs client that is alive but does not answer (SIGSTOP) while the kernel answers `stat` of the mount root
/// from its attribute cache: the mount is MountUnresponsive, never stale, and nothing detaches it.
@Suite(
    "A stopped live juicefs client with long attribute caches (real juicefs, SIGSTOP, as root)", .serialized,
    .enabled(if: Prerequisites.enabled))
struct StoppedClientTests {
    static let longCaches = "mount:\n  options:\n    attr-cache: 3600\n    entry-cache: 3600\n    dir-entry-cache: 3600\n"

    @Test(
        """
        a SIGSTOPped client is MountUnresponsive in plan, apply detaches nothing, and after SIGCONT the same one client serves a \
        converged volume
        """
    )
    func stoppedClientIsUnresponsiveNotStale() async throws {
        try await TestVolume.with("hb-stopped-client", extra: Self.longCaches) { volume in
            let apply = try await volume.juicectl("apply")
            try #require(apply.exitCode == 0, "\(apply.transcript)")
            let converged = try await volume.juicectl("plan", "--detailed-exitcode")
            try #require(converged.exitCode == 0, "\(converged.transcript)")
            let pid = try #require((try volume.mountConfig()["Pid"] as? NSNumber)?.int32Value)
            let clients = try await Shell.sh("pgrep -f -- '--lo[g]=\(volume.baseDir)/logs/juicefs.log' | sort").stdout
            let mountsBefore = volume.mountEntries().map(\.id)
            try #require(mountsBefore.count == 1)

            kill(pid, SIGSTOP)
            // Never leave a stopped client behind, whatever fails below.
            defer { kill(pid, SIGCONT) }
            let root = await LiveHost().stat(volume.mountPath, deadline: .milliseconds(500))
            #expect(root == .found(inode: 1, isDirectory: true), "the kernel's attribute cache no longer answers for the root: \(root)")
            let config = await LiveHost().readFileAnswer("\(volume.mountPath)/.config", deadline: .milliseconds(500))
            #expect(config == .timedOut, "the stopped client answered .config: \(config)")

            let plan = try await volume.juicectl("plan", "--json")
            #expect(plan.stdout.contains("\"MountUnresponsive\""), "\(plan.transcript)")
            #expect(plan.stdout.contains("pid \(pid)"), "the conflict names the live client: \(plan.transcript)")
            #expect(!plan.stdout.contains("recover-stale-mount"), "a live client's mount is not stale: \(plan.transcript)")
            let hung = try await volume.juicectl("apply")
            #expect(hung.exitCode == 1, "\(hung.transcript)")
            #expect(!hung.stdout.contains("recover-stale-mount") && !hung.stdout.contains("detached"), "\(hung.transcript)")
            #expect(volume.mountEntries().map(\.id) == mountsBefore, "the mount was detached or another stacked")
            #expect(LiveHost().isAlive(pid), "the stopped client is gone")
            let status = try await volume.juicectl("status")
            #expect(status.stdout.contains("MountUnresponsive"), "\(status.transcript)")

            kill(pid, SIGCONT)
            let answered = await Wait.until(timeout: .seconds(60)) {
                (try? await volume.juicectl("plan", "--detailed-exitcode"))?.exitCode == 0
            }
            #expect(answered, "the volume is not converged after SIGCONT")
            #expect(volume.mountEntries().map(\.id) == mountsBefore, "the mount was replaced")
            #expect((try volume.mountConfig()["Pid"] as? NSNumber)?.int32Value == pid, "another client serves the mount")
            let after = try await Shell.sh("pgrep -f -- '--lo[g]=\(volume.baseDir)/logs/juicefs.log' | sort").stdout
            #expect(after == clients, "the juicefs processes changed: \(clients) -> \(after)")
            #expect(try await volume.juicectl("down").exitCode == 0)
        }
    }
}
