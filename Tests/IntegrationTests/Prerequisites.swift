import Foundation
import JuiceCtl
import Testing

/// What the integration tests need: root, /dev/fuse, the real juicefs binary and the built juicectl.
///
/// Outside CI a machine without them skips the suites with the reason; in CI (`CI=true`) the suites always run, so a
/// missing prerequisite fails the run instead of skipping silently.
enum Prerequisites {
    /// The repository root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// Whether this run is CI.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The juicefs binary: `JUICECTL_JUICEFS`, then PATH, then the project's `.tools/venv/bin`.
    static let juicefs: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let named = environment["JUICECTL_JUICEFS"], FileManager.default.isExecutableFile(atPath: named) { return named }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/juicefs"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let local = "\(repositoryRoot)/.tools/venv/bin/juicefs"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }()

    /// The juicectl executable built next to the test bundle.
    static let juicectl: String? = {
        var candidates: [String] = []
        if let bundle = ProcessInfo.processInfo.arguments.first {
            var directory = URL(fileURLWithPath: bundle).deletingLastPathComponent()
            // `swift test` runs `<build>/debug/<package>PackageTests.xctest`; Swift Testing may run a helper binary
            // inside the bundle, so look in a few parents.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("juicectl").path)
                directory.deleteLastPathComponent()
            }
        }
        candidates.append("\(repositoryRoot)/.build/debug/juicectl")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// What is missing, in words.
    static let missing: [String] = {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (run the tests as root)") }
        if !FileManager.default.fileExists(atPath: "/dev/fuse") { missing.append("/dev/fuse") }
        if juicefs == nil { missing.append("juicefs (run `make setup`)") }
        if juicectl == nil { missing.append("the juicectl executable (run `swift build`)") }
        return missing
    }()

    /// Whether the integration suites run: always in CI, elsewhere when nothing is missing.
    static let enabled = isCI || missing.isEmpty

    /// Fails the calling test when something is missing (only reached in CI or when everything is there).
    static func require() throws {
        if !missing.isEmpty {
            throw PrerequisiteMissing(description: "integration prerequisites missing: \(missing.joined(separator: ", "))")
        }
    }

    struct PrerequisiteMissing: Error, CustomStringConvertible {
        var description: String
    }
}

@Suite("Prerequisites")
struct PrerequisiteTests {
    @Test("in CI every prerequisite of the integration tests is present", .enabled(if: Prerequisites.isCI))
    func ciHasEveryPrerequisite() {
        #expect(Prerequisites.missing.isEmpty, "missing in CI: \(Prerequisites.missing.joined(separator: ", "))")
    }

    @Test("the juicefs binary is the pinned 1.4.2 release", .enabled(if: Prerequisites.enabled))
    func juicefsIsPinnedVersion() async throws {
        try Prerequisites.require()
        let result = try await Shell.run(Prerequisites.juicefs!, ["version"])
        #expect(result.stdout.contains("1.4.2"), "juicefs version printed: \(result.stdout)")
    }
}
