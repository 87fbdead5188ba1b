import ArgumentParser
import JuiceCtlCore

/// `juicectl schema`: prints the JSON Schema of the spec format.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of the spec format, version 1.")

    func run() {
        emit(JSONSchemaGenerator.generate())
    }
}
