import Foundation
import JuiceCtl
import JuiceCtlCore
import Synchronization

/// Shows long operations on a terminal: a line with the elapsed time, redrawn every 200 ms, then how long it took.
/// Used only when stderr is a terminal and the output is not JSON; otherwise progress stays silent.
final class TerminalProgress: OperationProgress {
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    private let detail = Mutex<String>("")
    private let clock: HostClock

    /// A reporter whose line is redrawn on `clock`.
    init(clock: HostClock = .system) {
        self.clock = clock
    }

    /// A reporter for this process: the terminal one when stderr is a TTY and `quiet` is false, else silent.
    static func make(quiet: Bool) -> any OperationProgress {
        !quiet && isatty(STDERR_FILENO) == 1 ? TerminalProgress() : SilentProgress()
    }

    func begin(_ label: String) {
        let clock = self.clock
        let start = clock.now()
        detail.withLock { $0 = "" }
        let task = Task {
            while !Task.isCancelled {
                let elapsed = clock.now() - start
                let left = self.detail.withLock { $0 }
                Self.write("\r\u{1B}[2K\(label) … \(Self.seconds(elapsed)) s\(left.isEmpty ? "" : ", " + left)")
                try? await clock.sleep(.milliseconds(200))
            }
        }
        ticker.withLock {
            $0?.cancel()
            $0 = task
        }
    }

    func end(_ label: String, duration: Duration, succeeded: Bool) {
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        Self.write("\r\u{1B}[2K\(label): \(succeeded ? "done" : "failed") in \(Self.seconds(duration)) s\n")
    }

    func update(_ label: String, detail text: String) {
        detail.withLock { $0 = text }
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.milliseconds) / 1000)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
