/// A problem with a URL in a spec, worded without the URL's secrets.
struct URLProblem: Error, Equatable {
    /// What is wrong; quotes the URL only redacted.
    var message: String
    /// What to write instead.
    var hint: String?
}

/// The rules of `storage.bucket` for type s3 (and of `backup.replica.bucket`): a path-style URL,
/// `http(s)://HOST[:PORT]/BUCKET`.
enum BucketURL {
    /// The section whose `bucket` is checked: its hints name the keys next to it.
    enum Section: String {
        /// `storage`: the volume's objects go under `BUCKET/<name>/`.
        case storage
        /// `backup.replica`: Litestream writes under `BUCKET/<prefix>/`.
        case replica = "backup.replica"
    }

    /// The JSON Schema pattern: what a generic validator can check of ``normalize(_:)``'s rules (the host and port
    /// themselves only the tool checks).
    static let pattern = #"^https?://[^/?#@\s]+/[^/?#@\s]+/?$"#

    /// The bucket URL juicefs is given: `text` with the host in lower case and without a trailing `/`; or why it is
    /// not accepted.
    static func normalize(_ text: String, section: Section = .storage) -> Result<String, URLProblem> {
        let shown = Redaction.redactBucketURL(text)
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), let url = EndpointURL(text) else {
            let lowered = text.lowercased()
            return .failure(
                URLProblem(
                    message: "'\(shown)' is not an http:// or https:// URL",
                    hint: lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
                        ? "write the scheme in lower case"
                        : "a bucket is a path-style URL such as https://s3.example.com/my-bucket"))
        }
        if url.userInfo != nil {
            return .failure(
                URLProblem(
                    message: "the bucket URL '\(shown)' carries credentials",
                    hint: "give them as \(section.rawValue).accessKey and \(section.rawValue).secretKey: {env: NAME} or {file: PATH}"))
        }
        if url.query != nil || url.fragment != nil {
            return .failure(
                URLProblem(
                    message: "the bucket URL '\(shown)' has a query or fragment",
                    hint: "a bucket is written as http(s)://HOST[:PORT]/BUCKET"))
        }
        guard let (host, port) = EndpointURL.hostAndPort(url.authority), !host.contains(",") else {
            return .failure(
                URLProblem(
                    message: "the bucket URL '\(shown)' has no valid host, or a port outside 1 to 65535",
                    hint: "e.g. http://127.0.0.1:9000/my-bucket"))
        }
        var segments = url.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if segments.count == 2, segments.last == "" { segments = segments.dropLast() }
        guard let bucket = segments.first, !bucket.isEmpty, !bucket.contains(where: \.isWhitespace) else {
            return .failure(
                URLProblem(
                    message: "the bucket URL '\(shown)' names no bucket",
                    hint: "juicectl takes path-style URLs: http(s)://HOST[:PORT]/BUCKET"))
        }
        guard segments.count == 1 else {
            return .failure(
                URLProblem(
                    message: "the bucket URL '\(shown)' has more than the bucket in its path",
                    hint: section == .storage
                        ? "juicefs uses only the first path segment and keeps the volume's objects under BUCKET/<name>/"
                        : "write the bucket alone, and the key prefix as backup.replica.prefix"))
        }
        return .success("\(url.scheme)://\(host.lowercased())\(port.map { ":\($0)" } ?? "")/\(bucket)")
    }
}
