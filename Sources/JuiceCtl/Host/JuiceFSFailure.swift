/// What a failed `juicefs` command said, as a type: the one place that reads juicefs's error output for the
/// failures juicectl acts on. The spellings are juicefs 1.4's (recorded in Tests/JuiceCtlTests/Fixtures/juicefs).
public enum JuiceFSFailure: Sendable, Hashable {
    /// The metadata engine holds no volume (`database is not formatted, please run juicefs format ... first`).
    case notFormatted
    /// `juicefs format` found objects under the volume's prefix of the object storage
    /// (`Storage file:///objects/vol/ is not empty; please clean it up or pick another volume name`).
    case storageNotEmpty
    /// Any other failure: juicefs's own error line says what.
    case other

    /// Classifies a juicefs stderr by its error line (``JuiceFSOutput/errorMessage(_:)``).
    public init(stderr: String) {
        self.init(errorLine: JuiceFSOutput.errorMessage(stderr))
    }

    /// Classifies juicefs's error line (its last FATAL or ERROR message).
    init(errorLine line: String) {
        if line.contains("database is not formatted") {
            self = .notFormatted
        } else if line.hasPrefix("Storage "), line.contains(" is not empty") {
            self = .storageNotEmpty
        } else {
            self = .other
        }
    }
}
