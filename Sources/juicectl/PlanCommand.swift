import ArgumentParser
import JuiceCtl
import JuiceCtlCore

/// `juicectl plan FILE...`: observes each volume for real and prints what apply would do.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would do, with a reason for each action. Changes nothing.",
        discussion: "With --detailed-exitcode: 0 nothing to do, 2 changes pending, 1 error or conflict.")

    @OptionGroup var files: SpecFiles

    @Flag(name: .long, help: "Print the plan as versioned JSON.")
    var json = false

    @Flag(name: .long, help: "Exit 0 when nothing is to do, 2 when changes are pending, 1 on error or conflict.")
    var detailedExitcode = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (specs, warnings) = try loadSpecs(files.paths)
        try requireRoot(
            "plan",
            reason:
                """
                it reads the volume's root-only state, metadata and mount; without them it would plan a format over a volume it \
                cannot see (use juicectl validate to check spec files without root)
                """
        )
        let reconciler: Reconciler
        do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
        var plans: [VolumePlan] = []
        for spec in specs {
            plans.append(await reconciler.plan(spec, sessions: spec.metadata.engine != .sqlite, ownership: .always).plan)
        }
        emit(json ? PlanRenderer.json(plans, warnings: warnings) : PlanRenderer.human(plans, warnings: warnings))
        let summary = PlanRenderer.Summary(plans)
        if summary.conflicts > 0 { throw ExitCode(1) }
        if detailedExitcode && !summary.isEmpty { throw ExitCode(2) }
    }
}
