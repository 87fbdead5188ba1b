package import JuiceCtlCore

/// The spec loader's file access (``SpecFileAccess``) over the fake's local files: a path with contents is a file,
/// one with children (or created as a directory) a directory.
extension FakeHost {
    package func specPathKind(_ path: String) -> SpecPathKind {
        if readLocalFile(path) != nil { return .file }
        return contentsOfDirectory(path) != nil ? .directory : .missing
    }

    package func specDirectoryNames(_ path: String) -> [String]? {
        contentsOfDirectory(path)
    }

    package func readSpecFile(_ path: String, upTo limit: Int) -> SpecFileContents? {
        readLocalFile(path).map { SpecFileContents(data: $0.prefix(limit), size: $0.count) }
    }
}
