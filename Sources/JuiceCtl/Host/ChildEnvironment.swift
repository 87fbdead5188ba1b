/// Which of juicectl's own environment variables a program gets, besides the base every program gets: decided per
/// program, by what it reaches for its volume.
public enum InheritedVariables: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Proxy and CA-certificate settings (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, `ALL_PROXY` in either case,
    /// `SSL_CERT_FILE`, `SSL_CERT_DIR`, `AWS_CA_BUNDLE`): for a program that reaches an S3 endpoint or a metadata
    /// server over the network.
    case network
    /// The AWS SDK's ambient credentials and settings (every `AWS_*` variable, and `HOME` for `~/.aws`): for a store
    /// the spec names no keys for, where the program uses the credentials of its environment.
    case ambientCredentials

    /// Whether juicectl's variable `name` belongs to this group.
    func covers(_ name: String) -> Bool {
        switch self {
        case .network: Self.networkNames.contains(name)
        case .ambientCredentials: name.hasPrefix("AWS_") || name == "HOME"
        }
    }

    private static let networkNames: Set<String> = [
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE",
    ]

    /// By name, so that a command shows its groups in a stable order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The environment a program juicectl starts gets: never juicectl's whole environment (which may hold every volume's
/// `{env: NAME}` secrets), but a fixed `PATH`, `LC_ALL=C`, juicectl's `TZ` when it has one, the groups of its
/// variables the command asks for (``Command/inherits``) minus those it refuses (``Command/unsetEnvironment``), and
/// the values the command sets itself (``Command/environment``: the secrets of this program's volume).
package enum ChildEnvironment {
    /// The `PATH` every program gets. juicectl runs programs by absolute path; this is for what they run in turn.
    package static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The variables of juicectl's environment every program gets when juicectl has them.
    package static let passedAlways: Set<String> = ["TZ"]

    /// The environment for `command`, taken from juicectl's environment `parent`.
    package static func build(_ command: Command, parent: [String: String]) -> [String: String] {
        var result = ["PATH": path, "LC_ALL": "C"]
        let refused = Set(command.unsetEnvironment)
        for (name, value) in parent where !refused.contains(name) {
            if passedAlways.contains(name) || command.inherits.contains(where: { $0.covers(name) }) {
                result[name] = value
            }
        }
        result.merge(command.environment) { _, set in set }
        return result
    }
}
