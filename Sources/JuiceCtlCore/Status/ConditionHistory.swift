public import Foundation

/// Carries each condition's `since` from one observation to the next, and names the conditions that changed.
public enum ConditionHistory {
    /// `current` with `since` taken from `previous` where a condition of the same type kept its status, and `now`
    /// where it is new or its status flipped; also the conditions whose status or reason changed (for events).
    public static func merge(previous: [Condition], current: [Condition], now: Date) -> (conditions: [Condition], changed: [Condition]) {
        var merged: [Condition] = []
        var changed: [Condition] = []
        for var condition in current {
            let before = previous.first { $0.type == condition.type }
            if let before, before.status == condition.status {
                condition.since = before.since ?? now
            } else {
                condition.since = now
            }
            if before == nil || before?.status != condition.status || before?.reason != condition.reason {
                changed.append(condition)
            }
            merged.append(condition)
        }
        return (merged, changed)
    }
}
