import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl status FILE...`: observed state and conditions.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each volume's observed state, its conditions and what juicectl run reports about it. Changes nothing.",
        discussion: "Exit 0 when every volume is Ready, 3 when one is not, 1 on error.")

    @OptionGroup var files: SpecFiles

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (specs, _) = try loadSpecs(files.paths)
        try requireRoot("status", reason: "the volume's state, the mount's .config and the status file are readable by root only")
        let reconciler: Reconciler
        do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
        var statuses: [VolumeStatus] = []
        for spec in specs {
            var status = await reconciler.status(spec)
            let store = RunStatusStore(stateDir: spec.stateDir, host: reconciler.host)
            if var run = store.load() {
                run.writerRunning = store.writerIsAlive(run)
                status.attach(run)
            }
            statuses.append(status)
        }
        emit(json ? StatusRenderer.json(statuses) : StatusRenderer.human(statuses))
        if !statuses.allSatisfy(\.isReady) { throw ExitCode(3) }
    }
}
