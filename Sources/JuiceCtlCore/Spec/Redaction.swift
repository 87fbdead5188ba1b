internal import Foundation

/// Keeps secrets out of everything juicectl prints.
public enum Redaction {
    /// `scheme://user:password@host/...` becomes `scheme://user:****@host/...`.
    public static func redactURL(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<schemeEnd.upperBound]) + userInfo[..<colon] + ":****" + authority[at...] + rest[authorityEnd...]
    }
}
