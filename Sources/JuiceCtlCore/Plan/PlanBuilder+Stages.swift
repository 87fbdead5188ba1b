extension PlanBuilder {
    /// Plans the stages in their order (``ActionDependencies/Stage``); a stage that cannot be planned leaves the
    /// later ones unplanned.
    mutating func run() {
        for stage in ActionDependencies.Stage.allCases {
            guard plan(stage) else { return }
        }
    }

    /// Plans one stage; returns false when the later stages cannot be planned.
    mutating func plan(_ stage: ActionDependencies.Stage) -> Bool {
        switch stage {
        case .thawCgroups: planThawCgroups()
        case .ownership: return planOwnership()
        case .inputs: return checkOverlayInputs()
        case .metadata: return planFormat()
        case .backup: planBackup()
        case .mount:
            planMount()
            return mountAvailable
        case .thaw: planThaw()
        case .guards: return planVolumeGuards()
        case .checkpointRecovery: planCheckpointRecovery()
        case .directories: blockedPaths = planDirectories()
        case .quotas: planQuotas(skipping: blockedPaths)
        case .overlay: planOverlay()
        case .restoreRequest: planRestoreRequest()
        case .schedule: planScheduleAndRetention()
        }
        return true
    }
}
