public import JuiceCtlCore

/// How `juicectl run` behaves.
public struct DaemonConfiguration: Sendable {
    /// Spec files and directories, re-read on SIGHUP and every ``interval``.
    public var paths: [String]
    /// Period of passes over each volume.
    public var interval: Duration
    /// Retry delays after failures.
    public var backoff: RetryBackoff
    /// How soon a volume whose lock another run holds is tried again.
    public var busyRetry: Duration
    /// Where metrics are served; `nil`: nowhere.
    public var metricsAddress: MetricsAddress?

    /// Creates a configuration.
    public init(
        paths: [String], interval: Duration = .seconds(30), backoff: RetryBackoff = RetryBackoff(),
        busyRetry: Duration = .seconds(5), metricsAddress: MetricsAddress? = nil
    ) {
        self.paths = paths
        self.interval = interval
        self.backoff = backoff
        self.busyRetry = busyRetry
        self.metricsAddress = metricsAddress
    }
}

/// A loopback address for the metrics endpoint: `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464`. Port 0 picks
/// a free port (logged at start). Other addresses are refused: put a proxy in front to publish metrics further.
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    /// `127.0.0.1` or `::1`.
    public var host: String
    /// The port.
    public var port: UInt16

    /// A bad address, with what to write instead.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What was given.
        public var text: String
        /// Why it is refused.
        public var why: String

        public var description: String {
            "--metrics-address '\(text)': \(why); use a loopback address such as 127.0.0.1:9464 or [::1]:9464"
        }
    }

    /// Parses `HOST:PORT`.
    public init(parsing text: String) throws(Invalid) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(text: text, why: "an IPv6 address needs the form [::1]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw Invalid(text: text, why: "the port is missing") }
            guard !text[..<colon].contains(":") else { throw Invalid(text: text, why: "an IPv6 address needs the form [::1]:PORT") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart) else { throw Invalid(text: text, why: "'\(portPart)' is not a port (0 to 65535)") }
        switch hostPart {
        case "127.0.0.1", "localhost": host = "127.0.0.1"
        case "::1": host = "::1"
        default: throw Invalid(text: text, why: "'\(hostPart)' is not a loopback address")
        }
        self.port = port
    }

    /// Creates an address.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
