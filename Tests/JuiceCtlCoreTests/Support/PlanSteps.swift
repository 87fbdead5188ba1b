@testable import JuiceCtlCore

/// The part of an ``Action`` a plan table compares: kind, change, target, disruption and whether it is conditional.
struct Step: Hashable, Sendable, CustomStringConvertible {
    var kind: Action.Kind
    var change: Action.Change
    var target: String
    var disruption: Action.Disruption
    var conditional: Bool

    init(
        _ kind: Action.Kind, _ change: Action.Change, _ target: String, _ disruption: Action.Disruption = .none,
        conditional: Bool = false
    ) {
        self.kind = kind
        self.change = change
        self.target = target
        self.disruption = disruption
        self.conditional = conditional
    }

    init(_ action: Action) {
        self.init(action.kind, action.change, action.target, action.disruption, conditional: action.conditional)
    }

    var description: String {
        "\(change.symbol) \(kind.rawValue) "
            + "\(target)\(disruption == .none ? "" : " [\(disruption.rawValue)]")\(conditional ? " (if needed)" : "")"
    }
}

/// The part of a ``Conflict`` a plan table compares.
struct ConflictStep: Hashable, Sendable, CustomStringConvertible {
    var code: ConflictCode
    var target: String
    var blocking: Bool

    init(_ code: ConflictCode, _ target: String, blocking: Bool) {
        self.code = code
        self.target = target
        self.blocking = blocking
    }

    init(_ conflict: Conflict) {
        self.init(conflict.code, conflict.target, blocking: conflict.blocking)
    }

    var description: String { "\(blocking ? "blocking " : "")\(code) \(target)" }
}

extension VolumePlan {
    var steps: [Step] { actions.map(Step.init) }
    var conflictSteps: [ConflictStep] { conflicts.map(ConflictStep.init) }
}
