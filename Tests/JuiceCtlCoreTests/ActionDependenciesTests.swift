import Testing

@testable import JuiceCtlCore

@Suite("Action dependencies: one graph for the plan's order and for what a failure holds back")
struct ActionDependenciesTests {
    /// An action of `kind` (its payload one of the coding tests' samples: the graph reads only kinds and targets).
    static func action(_ kind: Action.Kind, _ target: String = "/t") -> Action {
        let payload = ActionCodingTests.payloads.first { $0.kind == kind }!
        return Action(payload, .create, target: target, reason: "test")
    }

    static let everyPlannerRow =
        PlannerCase.creation + PlannerCase.refusals + PlannerCase.formatDrift + PlannerCase.mounts
        + PlannerCase.directoriesAndQuotas

    @Test("every apply plan of the planner table runs its stages in order", arguments: everyPlannerRow)
    func plansFollowTheStages(row: PlannerCase) throws {
        let spec = try SpecFixture.spec(row.yaml)
        let plan = Planner.plan(spec, row.observe(spec))
        #expect(ActionDependencies.inStageOrder(plan.actions), "\(plan.actions.map(\.kind))")
    }

    @Test func theStagesAreOrderedAsThePlannerBuildsThem() {
        let stages = ActionDependencies.Stage.allCases
        #expect(stages.first == .thawCgroups && stages.last == .schedule)
        #expect(ActionDependencies.Stage.ownership < .metadata && ActionDependencies.Stage.metadata < .backup)
        #expect(ActionDependencies.Stage.backup < .mount && ActionDependencies.Stage.mount < .directories)
        #expect(ActionDependencies.Stage.directories < .quotas && ActionDependencies.Stage.restoreRequest < .schedule)
    }

    @Test func everyKindThatApplyPlansHasAStageAndReleaseOnlyDownDoes() {
        let unstaged = Action.Kind.allCases.filter { ActionDependencies.stage(of: $0) == nil }
        #expect(unstaged == [.releaseOwnership])
        #expect(ActionDependencies.stage(of: .startBackup) == .backup)
        #expect(ActionDependencies.stage(of: .flushStaging) == .mount)
    }

    @Test func anOrderThatGoesBackAStageIsNotInStageOrder() {
        #expect(ActionDependencies.inStageOrder([Self.action(.format), Self.action(.mount), Self.action(.createDirectory)]))
        #expect(!ActionDependencies.inStageOrder([Self.action(.mount), Self.action(.format)]))
        #expect(!ActionDependencies.inStageOrder([Self.action(.createDirectory), Self.action(.startBackup)]))
    }

    @Test(arguments: [Action.Kind.format, .mount, .claimOwnership, .flushStaging, .secureDirectory, .restore])
    func aStepEverythingStandsOnReachesEveryLaterAction(kind: Action.Kind) {
        #expect(ActionDependencies.reach(of: kind) == .everything)
        for later in Action.Kind.allCases {
            #expect(ActionDependencies.depends(Self.action(later), on: Self.action(kind)))
        }
    }

    @Test func theOverlayChainHoldsBackTheRestOfTheChainButNotItsOwnKind() {
        let failed = Self.action(.createOverlayImage)
        #expect(ActionDependencies.depends(Self.action(.mountOverlayUpper), on: failed))
        #expect(ActionDependencies.depends(Self.action(.mountOverlay), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.createOverlayImage), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.detachLoopDevice), on: failed))
        #expect(ActionDependencies.reach(of: .mountOverlay) == .nothing)
    }

    @Test func aFailedFinalSyncKeepsTheOwnershipAndNothingElse() {
        #expect(ActionDependencies.reach(of: .stopBackup) == .kinds([.releaseOwnership]))
        #expect(ActionDependencies.reach(of: .unmount) == .kinds([.stopBackup, .releaseOwnership]))
    }

    @Test func aFailedBookkeepingRepairHoldsBackTheCheckpointStepsOnly() {
        let failed = Self.action(.repairBookkeeping, "/checkpoints/.juicectl/lineage.json")
        for kind in [Action.Kind.createCheckpoint, .deleteCheckpoint, .restore, .resumeRestore, .removeLeftover] {
            #expect(ActionDependencies.depends(Self.action(kind), on: failed))
        }
        #expect(!ActionDependencies.depends(Self.action(.createDirectory), on: failed))
    }

    @Test func aFailedDirectoryReachesItsOwnPathAndBelow() {
        let failed = Self.action(.createDirectory, "/active")
        #expect(ActionDependencies.reach(of: .createDirectory) == .within)
        #expect(ActionDependencies.depends(Self.action(.createDirectory, "/active/fs"), on: failed))
        #expect(ActionDependencies.depends(Self.action(.removeQuota, "/active"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.createDirectory, "/activex"), on: failed))
        #expect(!ActionDependencies.depends(Self.action(.unmount, "/active/fs"), on: failed))
    }
}

extension ActionDependenciesTests {
    @Test func whatAFailureHoldsBackComesAfterItInApplyOrInDown() {
        for kind in Action.Kind.allCases {
            guard case .kinds(let held) = ActionDependencies.reach(of: kind) else { continue }
            for later in held {
                let forwardInApply = ActionDependencies.stage(of: kind).flatMap { stage in
                    ActionDependencies.stage(of: later).map { stage <= $0 }
                }
                let forwardInDown = ActionDependencies.teardown.firstIndex(of: kind).flatMap { index in
                    ActionDependencies.teardown.firstIndex(of: later).map { index < $0 }
                }
                #expect(forwardInApply == true || forwardInDown == true, "\(kind) holds back \(later)")
            }
        }
    }

    @Test func downTakesAReplicatedVolumeApartInTeardownOrder() throws {
        var spec = try SpecFixture.spec()
        spec.mount.writeback = true
        var observation = ObservationFixture.converged(spec)
        observation.backup = ObservationFixture.replicating(spec)
        let plan = Planner.planDown(spec, observation)
        #expect(plan.actions.map(\.kind) == [.flushStaging, .unmount, .stopBackup])
        #expect(ActionDependencies.inTeardownOrder(plan.actions))
        #expect(!ActionDependencies.inTeardownOrder(plan.actions.reversed()))
    }

    @Test func downsOrderComesFromTheGraphAndKeepsActionsOfOneKindInPlace() {
        let unordered = [
            Self.action(.stopBackup, "/db"), Self.action(.unmount, "/b"), Self.action(.releaseOwnership, "/o"),
            Self.action(.unmount, "/a"), Self.action(.unmountOverlay, "/t"), Self.action(.format, "/f"),
        ]
        let sorted = ActionDependencies.inTeardownOrder(sorting: unordered)
        #expect(sorted.map(\.kind) == [.unmountOverlay, .unmount, .unmount, .stopBackup, .releaseOwnership, .format])
        #expect(sorted.filter { $0.kind == .unmount }.map(\.target) == ["/b", "/a"])
        #expect(ActionDependencies.inTeardownOrder(sorted))
    }
}
