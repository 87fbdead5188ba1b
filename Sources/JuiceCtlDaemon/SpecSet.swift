package import JuiceCtlCore

/// The specs `juicectl run` manages, re-read as a whole: files that read cleanly replace what they held, files
/// with errors keep their last good specs (with the errors attached), volumes no file declares any more leave.
package struct SpecSet: Sendable {
    /// The specs in force, by volume name.
    package private(set) var specs: [String: VolumeSpec] = [:]

    /// The outcome of a reload.
    package struct Reload: Sendable {
        /// Specs to run with: new, changed or unchanged.
        package var specs: [VolumeSpec]
        /// Volumes whose file was rejected, with the diagnostics of that file: they keep their last good spec.
        package var rejected: [String: [String]]
        /// Volumes no longer declared.
        package var removed: [String]
        /// Every diagnostic of the reload (errors and warnings).
        package var diagnostics: [Diagnostic]
    }

    /// An empty set.
    package init() {}

    /// Reads `paths` and merges the result into the set.
    package mutating func reload(paths: [String], loader: SpecLoader = SpecLoader()) -> Reload {
        let result = loader.load(paths: paths)
        var errorsByFile: [String: [String]] = [:]
        for diagnostic in result.diagnostics.errors {
            errorsByFile[diagnostic.location.file, default: []].append(diagnostic.description)
        }
        var next: [String: VolumeSpec] = [:]
        for spec in result.specs { next[spec.name] = spec }
        var rejected: [String: [String]] = [:]
        for (name, previous) in specs where next[name] == nil {
            // The file (or a path argument that held it) has errors: keep the last good spec.
            let messages = errorsByFile.filter { file, _ in file == previous.origin.file || HostPath.isWithin(previous.origin.file, file) }
                .sorted { $0.key < $1.key }.flatMap(\.value)
            if !messages.isEmpty {
                next[name] = previous
                rejected[name] = messages
            }
        }
        let removed = specs.keys.filter { next[$0] == nil }.sorted()
        specs = next
        return Reload(
            specs: next.values.sorted { $0.name < $1.name }, rejected: rejected, removed: removed,
            diagnostics: result.diagnostics)
    }
}
