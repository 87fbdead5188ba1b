import Foundation
import Testing

@testable import JuiceCtl

/// What the programs juicectl leaves running for a volume hold in their environment, read from `/proc/PID/environ`
/// of the real juicefs and Litestream processes.
@Suite(
    "Child environments (real juicefs, litestream and an S3 gateway on loopback, as root)", .serialized, .enabled(if: Prerequisites.enabled)
)
struct ChildEnvironmentTests {
    /// The environment of process `pid`, by name.
    static func environ(_ pid: Int32) -> [String: String] {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    /// The running processes whose command line mentions `text`, with their command lines.
    static func processes(mentioning text: String) -> [(pid: Int32, commandLine: String)] {
        let own = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = Int32(name), pid != own, let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else {
                return nil
            }
            let line = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return line.contains(text) ? (pid, line) : nil
        }
    }

    @Test("volume A's juicefs and Litestream hold A's replica keys and nothing of volume B's secrets or of juicectl's other variables")
    func aVolumesProgramsHoldOnlyItsOwnSecrets() async throws {
        let gateway = try S3Gateway()
        try await gateway.start()
        do {
            try await TestVolume.with("ha-env-a") { volume in
                try await check(volume, gateway: gateway)
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    private func check(_ volume: TestVolume, gateway: S3Gateway) async throws {
        try await gateway.makeBucket("ha-env-backups")
        let bSecret = "ha-B-secret-value-5150"
        let bAccess = "ha-B-access-value-5151"
        let canary = "ha-canary-not-for-children-5152"
        // B's spec names its keys by reference; B is never applied, its variables are only in juicectl's environment.
        let bSpec = "\(volume.root)/b.yaml"
        try """
        version: 1
        name: ha-env-b
        baseDir: \(volume.root)/b-base
        storage:
          type: s3
          bucket: http://127.0.0.1:9/ha-env-b
          accessKey: {env: HA_B_ACCESS}
          secretKey: {env: HA_B_SECRET}

        """.write(toFile: bSpec, atomically: true, encoding: .utf8)
        try volume.writeSpec(
            """
            backup:
              replica:
                type: s3
                bucket: \(gateway.bucketURL("ha-env-backups"))
                prefix: hosts/ha/env-a
                accessKey: {env: HA_A_LS_KEY}
                secretKey: {env: HA_A_LS_SECRET}

            """)
        let environment = [
            "HA_A_LS_KEY": gateway.accessKey, "HA_A_LS_SECRET": gateway.secretKey,
            "HA_B_ACCESS": bAccess, "HA_B_SECRET": bSecret, "HA_CANARY": canary,
        ]
        let validate = try await Shell.run(Prerequisites.juicectl!, ["validate", volume.specPath, bSpec], environment: environment)
        #expect(validate.exitCode == 0, "both specs are valid: \(validate.transcript)")
        let apply = try await volume.juicectl("apply", environment: environment)
        #expect(apply.exitCode == 0, "\(apply.transcript)")

        let programs = Self.processes(mentioning: volume.baseDir).filter {
            $0.commandLine.contains("juicefs") || $0.commandLine.contains("litestream")
        }
        let juicefs = programs.filter { $0.commandLine.contains("juicefs") && $0.commandLine.contains(" mount") }
        let litestream = programs.filter { $0.commandLine.contains("litestream") && $0.commandLine.contains("replicate") }
        #expect(!juicefs.isEmpty && !litestream.isEmpty, "A's juicefs mount and Litestream run: \(programs.map(\.commandLine))")
        for program in programs {
            let variables = Self.environ(program.pid)
            #expect(!variables.isEmpty, "pid \(program.pid)'s environment was read")
            for value in [bSecret, bAccess, canary] {
                #expect(!variables.values.contains { $0.contains(value) }, "pid \(program.pid) (\(program.commandLine)) holds \(value)")
            }
            // Of juicectl's own variables (the test's environment plus the ones above) a program holds only the base;
            // juicefs's daemon rebuilds its environment and keeps even less (PATH and its own markers).
            let juicectlNames = Set(ProcessInfo.processInfo.environment.keys).union(environment.keys)
            // Litestream, for its S3 replica, also gets the network settings (CA files, proxies), and the shell that
            // starts it sets PWD.
            let own: Set<String> =
                program.commandLine.contains("litestream")
                ? Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PWD"]).union(
                    juicectlNames.filter { InheritedVariables.network.covers($0) }) : []
            let leaked = Set(variables.keys).intersection(juicectlNames).subtracting(["PATH", "LC_ALL", "TZ"]).subtracting(own)
            #expect(leaked.isEmpty, "pid \(program.pid) (\(program.commandLine)) holds juicectl's \(leaked.sorted())")
            #expect(
                variables["PATH"] == nil || variables["PATH"] == ChildEnvironment.path, "\(program.commandLine): \(variables.keys.sorted())"
            )
        }
        for program in litestream {
            let variables = Self.environ(program.pid)
            #expect(
                variables["AWS_ACCESS_KEY_ID"] == gateway.accessKey && variables["AWS_SECRET_ACCESS_KEY"] == gateway.secretKey,
                "A's replica keys reach A's Litestream: \(variables.keys.sorted())")
        }
        for program in juicefs {
            let variables = Self.environ(program.pid)
            #expect(
                !variables.keys.contains { $0.hasPrefix("AWS_") },
                "a local volume's juicefs needs no AWS variable: \(variables.keys.sorted())")
        }
        #expect(try await volume.juicectl("plan", "--detailed-exitcode", environment: environment).exitCode == 0)
    }
}
