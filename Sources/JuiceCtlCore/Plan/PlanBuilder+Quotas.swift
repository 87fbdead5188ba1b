/// The quotas stage: set, change and remove directory quotas, each verified by a read-back.
extension PlanBuilder {
    mutating func planQuotas(skipping blocked: Set<String>) {
        for quota in spec.quotas where !HostPath.selfAndAncestors(quota.path).contains(where: blocked.contains) {
            let describe = QuotaRenderer.limits(quota)
            if formatsVolume {
                actions.append(Action(.setQuota(quota), .create, target: quota.path, reason: "new volume: \(describe)"))
                continue
            }
            guard let reading = observation.quotas?[quota.path] else {
                actions.append(
                    Action(
                        .setQuota(quota), .create, target: quota.path,
                        reason: "quotas could not be read: set \(describe) if it differs", conditional: true))
                continue
            }
            if reading.isNone {
                actions.append(
                    Action(.setQuota(quota), .create, target: quota.path, reason: "no quota on \(quota.path): set \(describe)"))
            } else if !reading.matches(quota) {
                actions.append(
                    Action(
                        .setQuota(quota), .update, target: quota.path,
                        reason: "quota is \(QuotaRenderer.reading(reading)), the spec says \(describe)"))
            }
        }
        let declared = Set(spec.quotas.map(\.path))
        for path in observation.managedQuotaPaths.sorted() where !declared.contains(path) {
            guard let reading = observation.quotas?[path] else { continue }
            if !reading.isNone {
                actions.append(
                    Action(
                        .removeQuota, .delete, target: path,
                        reason: "juicectl set this quota (\(QuotaRenderer.reading(reading))) and the spec no longer declares it"))
            }
        }
    }
}
