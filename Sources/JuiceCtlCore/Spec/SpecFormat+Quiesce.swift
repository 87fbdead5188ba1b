/// `checkpoints.quiesce`: the cgroups frozen and the hooks run around the clone of `/active`.
extension SpecFormat {
    static let quiesce = SchemaObject(
        "Quiescing the sandbox around the clone of /active: give cgroups, hooks or both.",
        [
            SchemaField(
                "cgroups", .array(.string(.absolutePath), minItems: nil),
                """
                cgroup v1 freezer or cgroup v2 directories of the sandbox, as absolute host paths, e.g. \
                /sys/fs/cgroup/freezer/sandbox-1. Their processes are frozen from just before the clone of /active until \
                just after it. Each at most once, and not /sys/fs/cgroup itself (a hierarchy root cannot be frozen). \
                Default: [] (nothing is frozen).
                """),
            SchemaField(
                "pre", .array(hookCommand, minItems: nil, maxItems: QuiesceRules.maxCommands),
                """
                Commands run one after the other before the freeze, at most \(QuiesceRules.maxCommands). Each is a list \
                of words whose first is the program's absolute path (juicectl runs hooks as root and does not search \
                PATH), e.g. [/usr/local/bin/app-flush, --fast]. One that fails or runs longer than hookTimeout fails the \
                checkpoint. Default: [] (none).
                """),
            SchemaField(
                "post", .array(hookCommand, minItems: nil, maxItems: QuiesceRules.maxCommands),
                """
                Commands run one after the other after the thaw, always, also after a failure; written as pre, at most \
                \(QuiesceRules.maxCommands). Default: [] (none).
                """),
            SchemaField(
                "hookTimeout", .string(.duration.bounded(by: .duration(QuiesceRules.hookTimeout))),
                """
                How long one hook may run, \(QuiesceRules.hookTimeout.lowerBound) to \(QuiesceRules.hookTimeout.upperBound). \
                Default: \(VolumeSpec.Quiesce.defaultHookTimeout).
                """),
            SchemaField(
                "maxFrozen", .string(.duration.bounded(by: .duration(QuiesceRules.maxFrozen))),
                """
                The longest the cgroups stay frozen, \(QuiesceRules.maxFrozen.lowerBound) to \
                \(QuiesceRules.maxFrozen.upperBound): a clone that would take longer is abandoned. \
                Default: \(VolumeSpec.Quiesce.defaultMaxFrozen).
                """),
        ])

    /// One hook: the program's absolute path, then its arguments; every word a string of at most
    /// ``QuiesceRules/maxWordLength`` characters.
    static let hookCommand = SchemaType.array(
        .string(StringRule(maxLength: QuiesceRules.maxWordLength, expected: "a string (quote words such as \"5\" or \"true\")")),
        minItems: 1, maxItems: QuiesceRules.maxWords)
}
