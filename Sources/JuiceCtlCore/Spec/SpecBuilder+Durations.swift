extension SpecBuilder {
    /// The duration at `node` when it lies within `range`, else an error at the node and `nil`. A value that is not
    /// a duration at all is the validator's to report (``StringRule/duration``) and gives `nil` here too.
    mutating func duration(_ node: SpecNode?, _ path: String, within range: ClosedRange<TimeSpan>) -> TimeSpan? {
        guard let node, let text = node.string, let span = TimeSpan.parse(text) else { return nil }
        if span < range.lowerBound {
            error(node, path, "'\(text)' is below the minimum \(range.lowerBound)", hint: "\(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        if span > range.upperBound {
            error(node, path, "'\(text)' is above the maximum \(range.upperBound)", hint: "\(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return span
    }
}
