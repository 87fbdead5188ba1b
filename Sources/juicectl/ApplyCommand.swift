import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl apply FILE...`: converges each volume.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Bring each volume into the state its spec declares.",
        discussion:
            """
            Exit 0 when every volume converged (or is suspended: then only its drift is reported), 1 otherwise. A second apply right \
            after the first does nothing.
            """
    )

    @OptionGroup var files: SpecFiles

    @Flag(name: .long, help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (specs, warnings) = try loadSpecs(files.paths)
        if dryRun {
            var plans: [VolumePlan] = []
            let reconciler: Reconciler
            do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
            for spec in specs { plans.append(await reconciler.plan(spec).plan) }
            emit(
                json
                    ? PlanRenderer.json(plans, warnings: warnings)
                    : "Dry run: nothing is changed.\n" + PlanRenderer.human(plans, warnings: warnings))
            return
        }
        try requireRoot("apply")
        let reconciler: Reconciler
        do { reconciler = try global.makeReconciler(progress: TerminalProgress.make(quiet: json)) } catch { throw fail(error) }
        var reports: [Reconciler.Report] = []
        var failed = false
        for spec in specs {
            if !json { emit(ReportRenderer.heading(spec) + "\n") }
            do {
                let report = try await reconciler.apply(spec) { result in
                    if !json { emit(ReportRenderer.line(result) + "\n") }
                }
                reports.append(report)
                if !json { emit(ReportRenderer.summary(report)) }
                failed = failed || (!report.converged && !report.suspended)
            } catch {
                // One volume failing never stops the others.
                failed = true
                if !json { emit("  error: \(error)\n") }
                printError(error)
            }
        }
        if json { emit(ReportRenderer.json(reports, operation: "apply")) }
        if failed { throw ExitCode(1) }
    }
}

/// Writes an error to stderr.
func printError(_ error: any Error) {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
}
