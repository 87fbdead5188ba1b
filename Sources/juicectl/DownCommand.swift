import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl down FILE...`: unmounts each volume.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Unmount each volume: graceful first, then forced (lazy) if files are open. Data stays.",
        discussion: """
            With writeback, the blocks staged on this host are uploaded before the unmount, for at most --flush-timeout; \
            when they are not all uploaded by then, down fails and the volume stays mounted. Litestream stops only after \
            the juicefs client has exited. Exit 0 when no mount of the volume is left and everything is replicated, 1 \
            otherwise.
            """)

    @OptionGroup var files: SpecFiles

    @Flag(name: .long, help: "Print what would be done and change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @Option(name: .long, help: "How long to wait for blocks staged by writeback to be uploaded (for example 30s, 10m).")
    var flushTimeout = "10m"

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard TimeSpan.parse(flushTimeout) != nil else {
            throw ValidationError("--flush-timeout \(flushTimeout) is not a duration (for example 30s, 10m, 1h)")
        }
    }

    func run() async throws {
        let (specs, _) = try loadSpecs(files.paths)
        let reconciler: Reconciler
        if dryRun {
            do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
            var plans: [VolumePlan] = []
            for spec in specs { plans.append(await reconciler.planDown(spec)) }
            emit(json ? PlanRenderer.json(plans) : "Dry run: nothing is changed.\n" + PlanRenderer.human(plans))
            return
        }
        try requireRoot("down")
        let timeout = TimeSpan.parse(flushTimeout)?.duration ?? .seconds(600)
        do {
            reconciler = try global.makeReconciler(progress: TerminalProgress.make(quiet: json)) { $0.flushTimeout = timeout }
        } catch { throw fail(error) }
        var reports: [Reconciler.Report] = []
        var failed = false
        for spec in specs {
            if !json { emit(ReportRenderer.heading(spec) + "\n") }
            let store = RunStatusStore(stateDir: spec.stateDir, host: reconciler.host)
            if let run = store.load(), run.volume == spec.name, store.writerIsAlive(run),
                spec.suspend == nil
            {
                FileHandle.standardError.write(
                    Data(
                        """
                        warning: juicectl run (pid \(run.daemon.pid)) manages volume \(spec.name) and will mount it again within \
                        \(Int(run.daemon.intervalSeconds)) s. Suspend the volume in its spec (suspend: {reason: ...}) or stop the \
                        reconciler first.\n
                        """.utf8))
            }
            do {
                let report = try await reconciler.down(spec) { result in
                    if !json { emit(ReportRenderer.line(result) + "\n") }
                }
                reports.append(report)
                let clean = !report.failed && report.remaining.actions.isEmpty
                if !json {
                    emit(
                        report.results.isEmpty
                            ? "  Nothing to do: the volume is not mounted.\n"
                            : ReportRenderer.summary(report, verb: "Down") + (clean ? "  No mount is left.\n" : "  A mount is left.\n"))
                }
                failed = failed || !clean
            } catch {
                failed = true
                if !json { emit("  error: \(error)\n") }
                printError(error)
            }
        }
        if json { emit(ReportRenderer.json(reports, operation: "down")) }
        if failed { throw ExitCode(1) }
    }
}
