internal import JuiceCtlCore

/// A read or write of an ownership record that failed. The message names the location (a URL redacted as juicectl
/// redacts bucket URLs, or a path), the operation and the reason (an HTTP status with S3's error code, an errno, the
/// deadline), and says what to do next; never a key.
public struct OwnershipStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Reading or writing.
    public enum Operation: String, Sendable, Hashable {
        /// Reading the record.
        case read = "reading"
        /// Writing the record.
        case write = "writing"
    }

    /// What went wrong.
    public enum Problem: Sendable, Hashable {
        /// The store answered with this HTTP status (and S3 error code, when the body named one).
        case http(status: Int, code: String?)
        /// No answer within the deadline.
        case timedOut(Duration)
        /// The endpoint could not be reached (curl's message).
        case unreachable(String)
        /// The endpoint's TLS certificate could not be verified, or the TLS handshake failed (curl's message).
        case tls(String)
        /// curl failed otherwise (its exit code and message).
        case curl(exit: Int32, message: String)
        /// curl could not be run at all.
        case cannotRun(String)
        /// A key the spec names cannot be read.
        case secret(SecretError)
        /// A system call on the record's file failed.
        case file(errno: Int32, message: String)
    }

    /// The record's location, without secrets.
    public var location: String
    /// Reading or writing.
    public var operation: Operation
    /// What went wrong.
    public var problem: Problem

    /// Creates an error.
    public init(location: String, operation: Operation, problem: Problem) {
        self.location = location
        self.operation = operation
        self.problem = problem
    }

    public var description: String {
        let what = "\(operation.rawValue) the ownership record at \(location) failed"
        switch problem {
        case .http(let status, let code):
            let named = code.map { " \($0)" } ?? ""
            return "\(what): HTTP \(status)\(named). \(Self.advice(status: status, code: code))"
        case .timedOut(let deadline) where location.hasPrefix("s3 "):
            return "\(what): no answer within \(deadline.shortText). Check that the endpoint is up and reachable from this host"
        case .timedOut(let deadline):
            return "\(what): the filesystem did not answer within \(deadline.shortText). Check the filesystem of the replica "
                + "directory (a network filesystem that hangs)"
        case .unreachable(let message):
            return "\(what): \(message). Check the bucket URL and that the endpoint is up"
        case .tls(let message):
            return "\(what): \(message). juicectl verifies HTTPS endpoints: install the endpoint's CA certificate in the "
                + "system's trust store (or point CURL_CA_BUNDLE at it)"
        case .curl(let exit, let message):
            return "\(what): curl exit \(exit): \(message)"
        case .cannotRun(let reason):
            return "\(what): \(reason). Install curl (Debian: apt-get install curl)"
        case .secret(let error):
            return "\(what): \(error)"
        case .file(let errno, let message):
            return "\(what): \(message) (errno \(errno)). Check that the replica directory exists and is writable by "
                + "root on a filesystem every host of the volume shares"
        }
    }

    private static func advice(status: Int, code: String?) -> String {
        switch (status, code) {
        case (404, "NoSuchBucket"?): "Create the bucket (juicectl creates none) or fix backup.replica.bucket"
        case (404, _): "The endpoint answered 404 without S3's NoSuchKey: check that backup.replica.bucket is an S3 endpoint"
        case (401, _), (403, _):
            "Check backup.replica.accessKey and backup.replica.secretKey, and that they may get and put this key"
        case (500..., _): "The store failed; try again later"
        default: "Check the endpoint and the bucket"
        }
    }
}
