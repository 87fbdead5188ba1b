extension Duration {
    /// The duration for a message: `2 s`, `1.5 s`, `900 ms`.
    public var shortText: String {
        let total = milliseconds
        if total < 1000 { return "\(total) ms" }
        if total % 1000 == 0 { return "\(total / 1000) s" }
        let tenths = (total + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
