import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl validate FILE...`: checks specs without touching the host.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check spec files: every error with file:line:column, nothing on the host is read or changed.")

    @OptionGroup var files: SpecFiles

    @Flag(name: .long, help: "Print the diagnostics as JSON on stdout.")
    var json = false

    func run() throws {
        let result = SpecLoader(files: LiveHost()).load(paths: files.paths)
        if json {
            struct Document: Encodable {
                var formatVersion: Int
                var valid: Bool
                var files: [String]
                var volumes: [String]
                var diagnostics: [Diagnostic]
            }
            emit(
                PlanRenderer.encode(
                    Document(
                        formatVersion: PlanRenderer.formatVersion, valid: !result.diagnostics.hasErrors,
                        files: result.files, volumes: result.specs.map(\.name), diagnostics: result.diagnostics)))
        } else {
            for diagnostic in result.diagnostics {
                FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
            }
            if !result.diagnostics.hasErrors {
                emit("\(result.specs.count) volume(s) in \(result.files.count) file(s): valid.\n")
            } else {
                FileHandle.standardError.write(Data("\(result.diagnostics.errors.count) error(s).\n".utf8))
            }
        }
        if result.diagnostics.hasErrors { throw ExitCode(1) }
    }
}
