/// The rules of `backup.replica.prefix` and `backup.replica.region` for an S3 replica.
enum S3ReplicaRules {
    /// The longest key prefix accepted, in characters.
    static let maxPrefixLength = 512

    /// One segment of a prefix: `A-Z a-z 0-9 . _ -`, but not `.` nor `..`. Written without a lookahead (outside the
    /// subset JSON Schema recommends): leading dots, then any other allowed character, then anything allowed; or
    /// three dots and more.
    static let prefixSegment = #"(?:\.*[A-Za-z0-9_-][A-Za-z0-9._-]*|\.{3,})"#

    /// The JSON Schema pattern of a prefix: segments separated by single `/`, none at either end.
    static let prefixPattern = "^\(prefixSegment)(?:/\(prefixSegment))*$"

    /// The JSON Schema pattern of a region: `us-east-1`, `eu-central-2`, `garage`, ...
    static let regionPattern = "^[a-z0-9-]{1,64}$"

    /// What is wrong with `text` as a key prefix, worded for a spec author; `nil` when it is one. Lengths are the
    /// validator's (``StringRule/minLength``, ``StringRule/maxLength``).
    static func prefixProblem(_ text: String) -> (message: String, hint: String)? {
        let example = "e.g. volumes/demo"
        if text.hasPrefix("/") || text.hasSuffix("/") {
            return (
                "'\(text)' \(text.hasPrefix("/") ? "starts" : "ends") with /",
                "a prefix is written without a leading or trailing /, \(example)"
            )
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: \.isEmpty) {
            return ("'\(text)' has an empty segment (//)", "separate the segments with a single /, \(example)")
        }
        if segments.contains(where: { $0 == "." || $0 == ".." }) {
            return ("'\(text)' has a '.' or '..' segment", "a prefix names keys in the bucket as they are: write it without them")
        }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/".unicodeScalars)
        if !text.unicodeScalars.allSatisfy(allowed.contains) {
            return ("'\(text)' has a character other than A-Z a-z 0-9 . _ - and /", example)
        }
        if !SchemaValidator.matches(text, prefixPattern) {
            return ("'\(text)' is not a key prefix", example)
        }
        return nil
    }
}
