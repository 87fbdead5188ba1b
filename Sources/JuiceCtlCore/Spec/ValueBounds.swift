/// The range a size or a duration must lie in, declared with its key in ``SpecFormat`` and checked by the validator
/// once it has parsed the value, so that single-key rules have one home and the builder receives only values that
/// pass them.
public enum ValueBounds: Sendable {
    /// A size within `range` bytes and a whole multiple of `multiple` bytes; `message` says what is wrong with a size
    /// outside them (the key's own words, e.g. "block size 32KiB is outside 64KiB to 16MiB").
    case size(range: ClosedRange<UInt64>, multiple: UInt64 = 1, message: @Sendable (ByteSize) -> String, hint: String? = nil)
    /// A duration within `range`: "'TEXT' is below the minimum LOW" (or "above the maximum HIGH"), with the range as
    /// the hint.
    case duration(ClosedRange<TimeSpan>)
    /// A duration of at least `minimum`, with no upper limit: "'TEXT' is below MINIMUM".
    case durationAtLeast(TimeSpan)

    /// Why `size` breaks these bounds, or `nil` when it keeps them (or the bounds are not a size's).
    func problem(with size: ByteSize) -> (message: String, hint: String?)? {
        guard case .size(let range, let multiple, let message, let hint) = self else { return nil }
        guard !range.contains(size.bytes) || size.bytes % multiple != 0 else { return nil }
        return (message(size), hint)
    }

    /// Why `span` (written `text`) breaks these bounds, or `nil` when it keeps them.
    func problem(with span: TimeSpan, text: String) -> (message: String, hint: String?)? {
        switch self {
        case .size:
            return nil
        case .duration(let range):
            let hint = "\(range.lowerBound) to \(range.upperBound)"
            if span < range.lowerBound { return ("'\(text)' is below the minimum \(range.lowerBound)", hint) }
            if span > range.upperBound { return ("'\(text)' is above the maximum \(range.upperBound)", hint) }
            return nil
        case .durationAtLeast(let minimum):
            return span < minimum ? ("'\(text)' is below \(minimum)", nil) : nil
        }
    }
}
