import Foundation
import JuiceCtl
import Testing

/// The unit files in `examples/systemd/` are loadable by the real systemd and start juicectl with arguments it
/// accepts.
@Suite("systemd examples (real systemd-analyze)", .serialized, .enabled(if: Prerequisites.enabled))
struct SystemdUnitTests {
    static let directory = "\(Prerequisites.repositoryRoot)/examples/systemd"
    static let units = ["juicectl-run.service", "juicectl-apply.service", "juicectl-apply.timer"]

    /// Copies the units into a scratch directory with `/usr/local/bin/juicectl` replaced by the built binary.
    private func installedCopies() throws -> (directory: String, juicectl: String) {
        try Prerequisites.require()
        let juicectl = try #require(Prerequisites.juicectl)
        let scratch = NSTemporaryDirectory() + "juicectl-systemd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for unit in Self.units {
            let text = try String(contentsOfFile: "\(Self.directory)/\(unit)", encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/juicectl", with: juicectl)
                .write(toFile: "\(scratch)/\(unit)", atomically: true, encoding: .utf8)
        }
        return (scratch, juicectl)
    }

    private func directives(_ unit: String) throws -> [String: [String]] {
        let text = try String(contentsOfFile: "\(Self.directory)/\(unit)", encoding: .utf8)
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1)
            result[String(parts[0]), default: []].append(String(parts[1]))
        }
        return result
    }

    @Test("systemd-analyze verify accepts the run service, the apply oneshot and its timer")
    func unitsVerify() async throws {
        let (scratch, _) = try installedCopies()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let tool = try #require(analyze, "systemd-analyze is missing (Debian package systemd; `make setup` installs it)")
        let result = try await Shell.run(tool, ["verify"] + Self.units.map { "\(scratch)/\($0)" })
        #expect(result.exitCode == 0, "\(result.transcript)")
        let complaints = (result.stdout + result.stderr).split(separator: "\n")
            .filter { $0.contains("juicectl-") && !$0.contains("ConditionPathExists") }
        #expect(complaints.isEmpty, "systemd-analyze: \(complaints.joined(separator: "\n"))")
    }

    @Test("the run service stops only juicectl, so mounts and Litestream outlive a stop, and reloads with SIGHUP")
    func runServiceKeepsMountsOnStop() throws {
        let run = try directives("juicectl-run.service")
        #expect(run["Type"] == ["simple"])
        #expect(run["KillMode"] == ["process"])
        #expect(run["ExecReload"] == ["/bin/kill -HUP $MAINPID"])
        #expect(run["Restart"] == ["on-failure"])
        let apply = try directives("juicectl-apply.service")
        #expect(apply["Type"] == ["oneshot"])
        #expect(apply["KillMode"] == ["process"])
        let timer = try directives("juicectl-apply.timer")
        #expect(timer["OnUnitActiveSec"] == ["1min"])
    }

    @Test("the services' ExecStart arguments are accepted by juicectl: only the missing spec directory fails")
    func execStartArgumentsParse() async throws {
        let (scratch, juicectl) = try installedCopies()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for unit in ["juicectl-run.service", "juicectl-apply.service"] {
            let execStart = try #require(try directives(unit)["ExecStart"]?.first)
            var words = execStart.split(separator: " ").map(String.init)
            #expect(words.removeFirst() == "/usr/local/bin/juicectl")
            // A directory that does not exist stands in for /etc/juicectl: the arguments must parse (a usage error
            // exits 64) and the run must fail on the missing specs, naming them.
            let missing = "\(scratch)/no-such-dir"
            words = words.map { $0 == "/etc/juicectl" ? missing : $0 }
            let result = try await Shell.run(juicectl, words)
            #expect(result.exitCode == 1, "\(unit): \(result.transcript)")
            #expect(result.stderr.contains(missing), "\(unit): \(result.transcript)")
        }
    }
}
