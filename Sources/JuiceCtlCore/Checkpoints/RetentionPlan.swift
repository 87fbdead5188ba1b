public import Foundation

/// The schedule and retention rules applied to a catalog at one instant: which scheduled checkpoint is due, and what
/// retention decides over the catalog with it. The planner plans from it; the observer uses it to know which
/// checkpoints it must ask about (only those retention would remove are looked for users).
public enum RetentionPlan {
    /// The scheduled checkpoint due at `now`, if any: its name and slot.
    public static func dueCheckpoint(
        _ settings: VolumeSpec.CheckpointSettings, entries: [CheckpointEntry],
        now: Date
    ) -> (name: String, slot: Date)? {
        guard let schedule = settings.schedule, let slot = schedule.dueSlot(at: now, checkpoints: entries) else { return nil }
        return (CheckpointName.scheduled(slot: slot), slot)
    }

    /// Retention's verdicts over `entries` and the due scheduled checkpoint (as it will be once taken); empty
    /// without a retention policy.
    public static func decisions(
        _ settings: VolumeSpec.CheckpointSettings, entries: [CheckpointEntry],
        now: Date
    ) -> [RetentionPolicy.Decision] {
        guard let retain = settings.retain else { return [] }
        var known = entries
        if let due = dueCheckpoint(settings, entries: entries, now: now) {
            known.append(CheckpointEntry(name: due.name, manifest: CheckpointManifest(name: due.name, createdAt: now, kind: .scheduled)))
        }
        return retain.decide(known)
    }

    /// The checkpoints retention would remove at `now`.
    public static func pruned(_ settings: VolumeSpec.CheckpointSettings, entries: [CheckpointEntry], now: Date) -> [String] {
        decisions(settings, entries: entries, now: now).filter { !$0.keep }.map(\.name)
    }
}
