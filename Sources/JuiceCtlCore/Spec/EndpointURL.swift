/// A `scheme://userinfo@authority/path?query#fragment` URL cut into its parts, as written (nothing is decoded).
///
/// The user information ends at the *last* `@` before the first `?`, not at the first `/`: a password with a `/`
/// or `#` in it is still recognised as user information, so it is refused and redacted rather than taken for a host
/// or a path.
struct EndpointURL {
    /// The whole text.
    let text: String
    /// Before `://`.
    let scheme: Substring
    /// Between `://` and the last `@` before the query; `nil` without an `@`.
    let userInfo: Substring?
    /// Hosts and ports, after the user information, up to the path.
    let authority: Substring
    /// From the first `/` after the authority (empty when there is none).
    let path: Substring
    /// After `?`, up to `#`; `nil` without a `?`.
    let query: Substring?
    /// After `#`; `nil` without one.
    let fragment: Substring?

    /// Splits `text`; `nil` when it has no `://`.
    init?(_ text: String) {
        guard let separator = text.firstRange(of: "://") else { return nil }
        self.text = text
        scheme = text[..<separator.lowerBound]
        let rest = text[separator.upperBound...]
        let questionMark = rest.firstIndex(of: "?") ?? rest.endIndex
        let at = rest[..<questionMark].lastIndex(of: "@")
        userInfo = at.map { rest[..<$0] }
        var remaining = rest[(at.map { rest.index(after: $0) } ?? rest.startIndex)...]
        if let hash = remaining.firstIndex(of: "#"), hash < questionMark {
            fragment = remaining[remaining.index(after: hash)...]
            query = nil
            remaining = remaining[..<hash]
        } else if questionMark < rest.endIndex {
            let afterMark = rest[rest.index(after: questionMark)...]
            let hash = afterMark.firstIndex(of: "#")
            query = afterMark[..<(hash ?? afterMark.endIndex)]
            fragment = hash.map { afterMark[afterMark.index(after: $0)...] }
            remaining = remaining[..<questionMark]
        } else {
            query = nil
            fragment = nil
        }
        let slash = remaining.firstIndex(of: "/") ?? remaining.endIndex
        authority = remaining[..<slash]
        path = remaining[slash...]
    }

    /// Whether the user information holds a password (`user:password@`, `:password@`).
    var hasPassword: Bool { userInfo?.contains(":") == true }

    /// The query's `name=value` pairs, in order; `value` is `nil` for a pair without `=`.
    var queryItems: [(name: Substring, value: Substring?)] {
        guard let query else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (pair, nil) }
            return (pair[..<equals], pair[pair.index(after: equals)...])
        }
    }

    /// The text with the user information and the query values replaced as the closures say (`nil`: kept as written),
    /// and a fragment replaced by `****` (no endpoint URL has a use for one).
    func rewritten(userInfo rewriteUserInfo: (Substring) -> String?, queryValue rewriteValue: (Substring, Substring) -> String?) -> String {
        var result = String(scheme) + "://"
        if let userInfo { result += (rewriteUserInfo(userInfo) ?? String(userInfo)) + "@" }
        result += authority + path
        if query != nil {
            result +=
                "?"
                + queryItems.map { item in
                    guard let value = item.value else { return String(item.name) }
                    return "\(item.name)=\(rewriteValue(item.name, value) ?? String(value))"
                }.joined(separator: "&")
        }
        if let fragment { result += fragment.isEmpty ? "#" : "#****" }
        return result
    }

    /// Splits one `host[:port]` of an authority; `nil` when the port is not a number from 1 to 65535 or the host is
    /// empty. IPv6 hosts are written in brackets: `[::1]:6379`.
    static func hostAndPort(_ text: Substring) -> (host: Substring, port: Int?)? {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[...close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard host.count > (host.hasPrefix("[") ? 2 : 0), !host.contains(where: \.isWhitespace) else { return nil }
        guard let portText else { return (host, nil) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        return (host, port)
    }
}
