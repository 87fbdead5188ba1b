import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl backup verify`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Work with the Litestream backup of the metadata.",
        subcommands: [BackupVerifyCommand.self])
}

struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Restore the newest replica into a temporary file and check it (integrity, same volume UUID). The live volume is not touched.",
        discussion: "Exit 0 when the replica is good, 1 otherwise.")

    @OptionGroup var selection: VolumeSelection

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let spec = try selection.spec()
        let reconciler: Reconciler
        do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
        let result: Reconciler.BackupVerification
        do { result = try await reconciler.verifyBackup(spec) } catch { throw fail(error) }
        if selection.json {
            emit(PlanRenderer.encode(result))
        } else {
            emit("Volume \(spec.name): \(result.ok ? "backup OK" : "backup NOT OK"): \(result.message)\n")
        }
        if !result.ok { throw ExitCode(1) }
    }
}
