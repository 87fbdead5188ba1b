extension PlanBuilder {
    /// Damaged bookkeeping: each record is a `BookkeepingDamaged` conflict (checkpoints and restores refuse while it
    /// lasts), and where apply can repair it without losing anything, the repair: the lineage is rebuilt from the
    /// manifests; an undecodable journal is moved aside only while `/active` is a directory (each restore clone in
    /// staging is kept as a checkpoint then, since without the journal nobody can tell the clone from the tree it
    /// replaced).
    mutating func planBookkeepingRepair() {
        guard let catalog = observation.catalog else { return }
        for damage in catalog.damage {
            let what =
                switch damage.kind {
                case .lineageEmpty: "\(damage.path) is empty"
                case .lineageUndecodable, .journalUndecodable: "\(damage.path) cannot be decoded (\(damage.detail))"
                }
            if damage.kind.isLineage {
                conflicts.append(
                    Conflict(
                        code: .bookkeepingDamaged, target: damage.path,
                        message: "\(what): checkpoints and restores refuse until it is repaired",
                        hint: "juicectl apply rebuilds it from the checkpoint manifests (the damaged file is kept beside it)",
                        blocking: false))
                actions.append(
                    Action(
                        .repairBookkeeping(damage), .replace, target: damage.path,
                        reason:
                            "\(what): rebuild it from the checkpoint manifests, keeping the damaged file as \(damage.path).damaged-<UTC>"))
                continue
            }
            let found = damage.trees?.summary ?? "the trees were not looked at"
            guard let trees = damage.trees, trees.consistent else {
                conflicts.append(
                    Conflict(
                        code: .bookkeepingDamaged, target: damage.path,
                        message: "\(what), so nobody can tell how far its restore got; \(found)",
                        hint:
                            "make /active the tree to keep (rename it there from staging or a checkpoint), then run juicectl apply: it "
                            + "moves the journal aside once /active is a directory",
                        blocking: false))
                continue
            }
            conflicts.append(
                Conflict(
                    code: .bookkeepingDamaged, target: damage.path,
                    message: "\(what): checkpoints and restores refuse until it is moved aside; \(found)",
                    hint:
                        "juicectl apply moves it aside (kept, never deleted)"
                        + (trees.staging.isEmpty ? "" : " and keeps each restore clone in staging as a pre-restore checkpoint"),
                    blocking: false))
            let kept =
                trees.staging.isEmpty
                ? ""
                : "; keep \(trees.staging.keys.sorted().joined(separator: ", ")) as pre-restore checkpoint(s) (each is the checkpoint's "
                    + "clone or the tree /active held before)"
            actions.append(
                Action(
                    .repairBookkeeping(damage), .update, target: damage.path,
                    reason: "\(what); \(found): move it aside as \(damage.path).damaged-<UTC>\(kept)"))
        }
    }

    /// Whether a leftover in staging must stay while the journal is damaged: a restore clone may be the tree
    /// `/active` held before the swap, and the repair keeps it.
    func keptForDamagedJournal(_ leftover: Leftover) -> Bool {
        guard observation.catalog?.journalDamaged == true, leftover.kind == .staging else { return false }
        return leftover.path.hasPrefix("\(VolumeLayout.staging)/\(RestoreTrees.stagingPrefix)")
    }
}
