import Logging

extension Logger {
    /// A logger that drops everything.
    static let quiet = Logger(label: "juicectl-tests") { _ in SwiftLogNoOpLogHandler() }
}
