/// Keeps secrets out of everything juicectl prints.
public enum Redaction {
    /// A metadata engine URL safe to print: `scheme://user:password@host/...` becomes `scheme://user:****@host/...`,
    /// the value of a query parameter that looks like a secret (``isSecretParameter(_:)``) becomes `****`, and so
    /// does a fragment. The user information ends at the last `@` before the query, so a password holding `/` or `#`
    /// is masked too. Text without `://` is returned as it is.
    public static func redactURL(_ url: String) -> String {
        guard let parts = EndpointURL(url) else { return url }
        return parts.rewritten(
            userInfo: { info in info.firstIndex(of: ":").map { String(info[..<$0]) + ":****" } },
            queryValue: { name, _ in isSecretParameter(name) ? "****" : nil })
    }

    /// An object storage URL safe to print: any user information (for a bucket, both parts are credentials) becomes
    /// `****`, every query value and any fragment too: `http://KEY:SECRET@host/b?X-Amz-Signature=s` becomes
    /// `http://****@host/b?X-Amz-Signature=****`. Text without `://` is returned as it is.
    public static func redactBucketURL(_ url: String) -> String {
        guard let parts = EndpointURL(url) else { return url }
        return parts.rewritten(userInfo: { _ in "****" }, queryValue: { _, _ in "****" })
    }

    /// Whether a URL query parameter of this name carries a secret: its name (any case) contains `pass`, `secret`,
    /// `token`, `signature` or `credential` (`password`, `_auth_pass`, `sslpassword`, `X-Amz-Signature`, ...).
    public static func isSecretParameter(_ name: some StringProtocol) -> Bool {
        let lowered = name.lowercased()
        return ["pass", "secret", "token", "signature", "credential"].contains { lowered.contains($0) }
    }
}
