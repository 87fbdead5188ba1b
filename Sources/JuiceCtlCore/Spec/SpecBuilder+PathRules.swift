/// The characters a host path may not hold where juicectl passes it on: what a program's or the kernel's option
/// parser would split, unescape or cut, so that a path could add an option, a layer or a cache directory.
extension SpecBuilder {
    /// Characters that `mount -o` (libmount splits at `,`) and overlayfs (`:` between lower layers, `\` as its
    /// escape) read as syntax in `lowerdir=`, `upperdir=` and `workdir=`.
    static let overlayOptionSyntax: [Character: String] = [",": "a comma", ":": "a colon", "\\": "a backslash"]

    /// Characters juicefs reads as syntax in `--cache-dir`: `:` between several directories, and glob patterns.
    static let cacheDirSyntax: [Character: String] = [":": "a colon", "*": "a '*'", "?": "a '?'", "[": "a '['"]

    /// Why `text` cannot be a host path juicectl passes on: it holds a newline, which the lines of mountinfo, of
    /// juicefs's and Litestream's configuration and logs, and of every tool's output cannot carry.
    static func newlineProblem(_ text: String) -> String? {
        guard text.contains(where: \.isNewline) else { return nil }
        return
            """
            '\(text.replacing("\n", with: "\\n").replacing("\r", with: "\\r"))' contains a line break, which no option, configuration \
            line or mountinfo reader of juicectl's can carry
            """
    }

    /// The first character of `path` that `syntax` names, described.
    static func syntaxProblem(_ path: String, _ syntax: [Character: String]) -> String? {
        path.first { syntax[$0] != nil }.flatMap { syntax[$0] }
    }

    /// Checks the paths that reach `--cache-dir`, the SQLite URL and the overlay's options. A path juicectl derives
    /// (the default cache directory, database, or image mount point) is reported at the key it derives from.
    mutating func checkPassablePaths(
        root: SpecNode, mountPath: String, cacheDir: String, metadata: VolumeSpec.Metadata,
        overlay: VolumeSpec.OverlaySettings?
    ) {
        let mountNode = root["mount"]
        let baseNode = root["baseDir"] ?? root
        if let problem = Self.syntaxProblem(cacheDir, Self.cacheDirSyntax) {
            let explicit = mountNode?["cacheDir"]
            error(
                explicit ?? baseNode, explicit == nil ? "baseDir" : "mount.cacheDir",
                """
                the cache directory \(cacheDir) contains \(problem), which juicefs --cache-dir reads as a list of directories or a \
                pattern
                """,
                hint: explicit == nil
                    ? "the default cache directory is <baseDir>/cache: choose a baseDir without it, or set mount.cacheDir"
                    : "choose a directory without : * ? [")
        }
        if root["metadata"]?["url"] == nil, let database = metadata.sqlitePath, database.contains("?") {
            error(
                baseNode, "baseDir", "the metadata database \(database) contains a '?', which ends the path of a sqlite3:// URL",
                hint: "choose a baseDir without '?', or set metadata.url")
        }
        guard let overlay, let overlayNode = root["overlay"] else { return }
        if case .sequence(let items) = overlayNode["lowerDirs"]?.value {
            for (index, item) in items.enumerated() {
                guard let text = item.string, let problem = Self.syntaxProblem(text, Self.overlayOptionSyntax) else { continue }
                error(
                    item, "overlay.lowerDirs[\(index)]",
                    """
                    the lower directory \(text) contains \(problem), which the overlay's mount options would read as a separator or \
                    an escape (another layer or option)
                    """,
                    hint: "use a path without , : or \\, e.g. a bind mount or a symbolic link to it outside the overlay's options")
            }
        }
        if let problem = Self.syntaxProblem(overlay.upperMount, Self.overlayOptionSyntax) {
            let explicit = overlayNode["upperMount"]
            let source =
                explicit.map { ($0, "overlay.upperMount") } ?? (mountNode?["path"].map { ($0, "mount.path") } ?? (baseNode, "baseDir"))
            error(
                source.0, source.1,
                """
                the image's mount point \(overlay.upperMount) contains \(problem); its upper/ and work/ go into the overlay's mount \
                options, which would read it as a separator or an escape
                """,
                hint: explicit == nil
                    ? "the default is <mount.path>/root-upper: set overlay.upperMount to a path without , : or \\"
                    : "use a path without , : or \\")
        }
    }
}
