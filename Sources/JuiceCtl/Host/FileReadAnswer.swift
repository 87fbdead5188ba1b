package import Foundation

/// How a read with a deadline ended: with the bytes, with an error the filesystem returned, or without an answer.
/// A FUSE mount whose client is alive but stopped or waiting for its servers does not answer; one whose client is
/// gone answers at once (`ENOTCONN`): the difference decides whether a mount is stale.
package enum FileReadAnswer: Sendable, Hashable {
    /// The file's bytes.
    case contents(Data)
    /// The open or read failed with this errno.
    case failed(errno: Int32, message: String)
    /// No answer within the deadline.
    case timedOut
}
