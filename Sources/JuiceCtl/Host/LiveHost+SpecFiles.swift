package import JuiceCtlCore

/// The spec loader's file access (``SpecFileAccess``) on the live host: the local filesystem, as ``LocalSpecFiles``
/// reads it.
extension LiveHost {
    package func specPathKind(_ path: String) -> SpecPathKind {
        LocalSpecFiles().specPathKind(path)
    }

    package func specDirectoryNames(_ path: String) -> [String]? {
        LocalSpecFiles().specDirectoryNames(path)
    }

    package func readSpecFile(_ path: String, upTo limit: Int) -> SpecFileContents? {
        LocalSpecFiles().readSpecFile(path, upTo: limit)
    }
}
