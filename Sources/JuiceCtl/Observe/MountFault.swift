internal import Foundation

/// How a mount failed to answer a probe: what the observer weighs against whether its client runs.
enum MountFault: Sendable, Hashable {
    /// No answer within the deadline (a stopped client, or one waiting for its metadata engine or object storage).
    case noAnswer(String)
    /// The call failed with this errno.
    case failed(errno: Int32, String)
    /// It answered, but not as a JuiceFS mount of this volume answers (root inode, `.config`).
    case wrongAnswer(String)

    /// The reason, in words.
    var reason: String {
        switch self {
        case .noAnswer(let reason), .failed(_, let reason), .wrongAnswer(let reason): reason
        }
    }

    /// Whether the errno says the FUSE connection itself is gone: nobody serves the mount any more, whatever runs.
    static func connectionGone(_ code: Int32) -> Bool {
        code == ENOTCONN || code == ECONNABORTED
    }
}
