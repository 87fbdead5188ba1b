/// Suggests the closest known word for a misspelt key or value.
enum DidYouMean {
    /// The candidate closest to `word`, when it is close enough to be a likely typo.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let withoutUnderscores = lowered.replacing("_", with: "")
        if let sameLetters = candidates.first(where: {
            $0.lowercased() == lowered || $0.lowercased().replacing("-", with: "") == withoutUnderscores
        }) {
            return sameLetters
        }
        let limit = max(1, min(3, word.count / 3))
        let length = lowered.count
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = candidate.lowercased()
            // The distance is at least the difference in length: a candidate that cannot come close enough is not
            // measured, so a megabyte-long key costs a count, not a megabyte-by-key-length table.
            guard abs(other.count - length) <= limit else { continue }
            let distance = distance(lowered, other)
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        guard let best, best.distance <= limit else { return nil }
        return best.candidate
    }

    /// Levenshtein distance between two strings, counted in characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
