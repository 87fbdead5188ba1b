package import JuiceCtl

extension CommandResult {
    /// A program that exited 0 after printing `stdout` (and `stderr`, where juicefs writes its log lines).
    package static func success(_ stdout: String = "", stderr: String = "") -> CommandResult {
        CommandResult(termination: .exited(0), stdout: stdout, stderr: stderr)
    }

    /// A program that exited with `code` (1 by default, as juicefs does on FATAL) after printing `stderr`.
    package static func failure(exit code: Int32 = 1, stderr: String, stdout: String = "") -> CommandResult {
        CommandResult(termination: .exited(code), stdout: stdout, stderr: stderr)
    }

    /// A program that ran past its timeout and was terminated.
    package static var timedOut: CommandResult { CommandResult(termination: .timedOut) }
}
