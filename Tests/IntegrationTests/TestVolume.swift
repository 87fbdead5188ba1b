import Foundation
import JuiceCtl
import JuiceCtlCore
import Testing

/// A volume of one integration test: its own base directory and spec file under `/tmp/juicectl-it/`, torn down
/// (unmounted, processes stopped, files removed) after the test, also when it fails.
struct TestVolume: Sendable {
    /// Volume name (unique per test).
    let name: String
    /// The volume's name in the spec (and in JuiceFS): ``name`` unless two test hosts share one volume.
    let volumeName: String
    /// The test's directory (spec file and base directory live below it).
    let root: String
    /// The volume's baseDir.
    let baseDir: String
    /// The spec file.
    let specPath: String

    /// Default mount point.
    var mountPath: String { "\(baseDir)/data" }
    /// Metadata URL without juicectl's parameters.
    var metaURL: String { "sqlite3://\(baseDir)/metadata.db" }
    /// The metadata database.
    var databasePath: String { "\(baseDir)/metadata.db" }

    /// Creates the directories and writes a spec with `extra` YAML appended to the required keys.
    init(_ name: String, baseDirName: String? = nil, extra: String = "", volumeName: String? = nil) throws {
        self.name = name
        self.volumeName = volumeName ?? name
        root = "/tmp/juicectl-it/\(name)"
        baseDir = "\(root)/\(baseDirName ?? "base")"
        specPath = "\(root)/spec.yaml"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try writeSpec(extra)
    }

    /// Rewrites the spec: the required keys plus `extra`.
    func writeSpec(_ extra: String) throws {
        let text = "version: 1\nname: \(volumeName)\nbaseDir: \"\(baseDir)\"\n" + extra
        try text.write(toFile: specPath, atomically: true, encoding: .utf8)
    }

    /// Runs `juicectl ARGS... SPEC EXTRA...` (the spec path after `arguments` unless `spec: false`, then `extra`).
    @discardableResult
    func juicectl(
        _ arguments: String..., spec: Bool = true, extra: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> CommandResult {
        try await Shell.run(Prerequisites.juicectl!, arguments + (spec ? [specPath] : []) + extra, environment: environment)
    }

    /// Runs juicefs directly, independently of juicectl.
    func juicefs(_ arguments: String...) async throws -> CommandResult {
        try await Shell.run(Prerequisites.juicefs!, arguments)
    }

    /// The mount's `.config` as JSON.
    func mountConfig() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(mountPath)/.config"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Mountinfo lines whose mount point lies under this test's directory.
    func mountEntries() -> [MountInfoEntry] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return MountInfoParser.parse(text).filter { $0.mountPoint.hasPrefix(root + "/") }
    }

    /// Everything this test mounted and started goes away: `juicectl down`, then lazy unmounts of whatever is
    /// left under the test directory, then the juicefs processes of this volume, then the files.
    func tearDown() async {
        _ = try? await juicectl("down", "--lock-timeout", "5s")
        for entry in mountEntries().reversed() {
            _ = try? await Shell.run("/bin/umount", ["-l", entry.mountPoint])
        }
        // The brackets keep pkill from matching the shell that runs it (which would end the script early).
        _ = try? await Shell.sh("pkill -9 -f '[j]uicefs.*\(root)' || true; pkill -9 -f '[l]itestream.*\(root)' || true")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs `body` with a fresh volume and always tears it down.
    static func with(
        _ name: String, baseDirName: String? = nil, extra: String = "", volumeName: String? = nil,
        _ body: (TestVolume) async throws -> Void
    ) async throws {
        try Prerequisites.require()
        let volume = try TestVolume(name, baseDirName: baseDirName, extra: extra, volumeName: volumeName)
        do {
            try await body(volume)
        } catch {
            await volume.tearDown()
            throw error
        }
        await volume.tearDown()
    }
}

/// Decodes the `--json` outputs of juicectl.
enum JSONOutput {
    static func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// `volumes[0]` of a plan, status or apply document.
    static func firstVolume(_ text: String) throws -> [String: Any] {
        let volumes = try object(text)["volumes"] as? [[String: Any]] ?? []
        return try #require(volumes.first, "no volume in: \(text)")
    }
}
