import Foundation
import JuiceCtl
import Testing

extension TestVolume {
    /// Runs `juicectl ARGUMENTS...` with a pause at fault point `point`, and while it waits there with something
    /// frozen (`marker`, a file under the state directory, exists), kills its freeze watchdog and then juicectl
    /// itself: the freeze stays, as after a crash of the whole host side, for the next run to undo.
    func killInsideFreeze(_ arguments: [String], at point: String, marker: String) async throws {
        let path = "\(baseDir)/.juicectl/\(marker)"
        async let killed = Shell.run(
            Prerequisites.juicectl!, arguments,
            environment: ["JUICECTL_FAULT_AT": "\(point):pause", "JUICECTL_FAULT_PAUSE_MS": "60000"])
        let frozen = await Wait.until(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: path) }
        #expect(frozen, "juicectl never froze anything")
        // The watchdog's shell first (it would thaw as soon as its flock returns), then the flock.
        _ = try await Shell.sh("pkill -9 -f 'juicectl-freeze-watchdog .*\(baseDir)'; sleep 0.2; pkill -9 -f 'flock -w [0-9.]* \(baseDir)'")
        // The command started here, not a `juicectl run` of the same spec (its subcommand tells them apart).
        let juicectl = LiveHost().processes().first {
            $0.value.first?.hasSuffix("juicectl") == true && $0.value.contains(specPath) && $0.value.dropFirst().first == arguments.first
        }?.key
        if let juicectl { kill(juicectl, SIGKILL) }
        let result = try await killed
        #expect(result.termination == .signaled(9), "\(result.transcript)")
    }
}
