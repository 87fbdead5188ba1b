/// One finding about a spec: an error (the spec is rejected) or a warning (it is accepted).
///
/// Diagnostics are collected, not thrown, so that every problem of a file is reported in one run.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The spec is invalid; nothing is changed on the host.
        case error
        /// The spec is accepted, but something deserves attention.
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the problem is.
    public var location: SourceLocation
    /// The key path of the offending value, e.g. `mount.cacheSize` or `quotas[1].path`; empty for the document.
    public var path: String
    /// What is wrong, and what was expected.
    public var message: String
    /// What to do about it, when there is something useful to say (a "did you mean", an example).
    public var hint: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, at location: SourceLocation, path: String, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: path: message (hint)`.
    public var description: String {
        var text = "\(location): \(severity.rawValue): "
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
    /// Only the errors.
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    /// Only the warnings.
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
}
