internal import Foundation

extension Redaction {
    /// `text` with every occurrence of each of `secrets` replaced by `****`: for output of a program that was given
    /// secrets and may echo one. Secrets shorter than 4 characters are left alone (they would mask ordinary words).
    public static func scrub(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: "****")
        }
        return result
    }
}
