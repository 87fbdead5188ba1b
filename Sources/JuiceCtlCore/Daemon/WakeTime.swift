public import Foundation

/// When `juicectl run` next looks at a volume: the earliest of the periodic pass, the next scheduled checkpoint and
/// a pending retry. Pure, so that tests give it any clock.
public enum WakeTime {
    /// A scheduled slot is woken for this long after it begins, so that the pass sees the slot as due.
    public static let slotMargin: TimeInterval = 0.25

    /// The next wake-up.
    ///
    /// - Parameters:
    ///   - now: the present.
    ///   - lastPass: when the last pass started (`nil`: none yet, so now).
    ///   - interval: the period of passes.
    ///   - nextCheckpoint: when the next scheduled checkpoint is due, if the volume has a schedule; a slot at or
    ///     before `now` is already owed and wakes nothing by itself.
    ///   - retry: the failure record; while it holds a retry, that replaces the periodic pass (backoff must not be
    ///     overtaken by the period), though a checkpoint slot still wakes the volume.
    public static func next(now: Date, lastPass: Date?, interval: Duration, nextCheckpoint: Date?, retry: RetryState) -> Date {
        guard let lastPass else { return now }
        var wake: Date
        if let attempt = retry.nextAttempt, retry.failures > 0 {
            wake = attempt
        } else {
            wake = lastPass.addingTimeInterval(interval.seconds)
        }
        // A slot already owed is taken by the next pass (periodic or retry), never by waking at once: a volume
        // that cannot take it (failing, stalled, suspended) would otherwise spin.
        if let slot = nextCheckpoint, slot > now {
            wake = min(wake, slot.addingTimeInterval(slotMargin))
        }
        return max(wake, now)
    }
}
