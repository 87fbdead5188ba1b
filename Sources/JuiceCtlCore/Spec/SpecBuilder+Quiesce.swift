/// `checkpoints.quiesce`: the cgroups (normalised, each once, no hierarchy root), the hooks (the program an
/// absolute path, no NUL in any word) and the two durations (their ranges are the validator's). Types and list lengths are the
/// validator's (``SpecFormat/quiesce``); what it reported is only left out here.
extension SpecBuilder {
    mutating func quiesce(_ node: SpecNode?) -> VolumeSpec.Quiesce? {
        guard let node, node.entries != nil else { return nil }
        let prefix = "checkpoints.quiesce"
        var quiesce = VolumeSpec.Quiesce()
        quiesce.cgroups = cgroups(node["cgroups"], "\(prefix).cgroups")
        quiesce.pre = hookCommands(node["pre"], "\(prefix).pre")
        quiesce.post = hookCommands(node["post"], "\(prefix).post")
        if let span = values.duration("\(prefix).hookTimeout") { quiesce.hookTimeout = span }
        if let span = values.duration("\(prefix).maxFrozen") { quiesce.maxFrozen = span }
        // What is written counts, not what survived: a wrongly typed list is an error already.
        let writesSomething = ["cgroups", "pre", "post"].contains { key in
            guard let value = node[key] else { return false }
            if case .sequence(let items) = value.value { return !items.isEmpty }
            return true
        }
        if !writesSomething {
            warning(
                node, prefix, "quiesce freezes no cgroup and runs no hook: it has no effect",
                hint: "remove quiesce or add cgroups or hooks")
        }
        return quiesce
    }

    /// The cgroup directories of `node`, normalised; an error at each one that repeats an earlier one or is (or holds)
    /// the hierarchy root.
    private mutating func cgroups(_ node: SpecNode?, _ path: String) -> [String] {
        guard case .sequence(let items)? = node?.value else { return [] }
        var cgroups: [String] = []
        var seen: [String: SourceLocation] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let cgroup = absolutePath(item, itemPath) else { continue }
            if let problem = QuiesceRules.cgroupProblem(cgroup) {
                error(item, itemPath, problem.message, hint: problem.hint)
                continue
            }
            if let first = seen[cgroup] {
                error(
                    item, itemPath, "the cgroup \(cgroup) is already listed at line \(first.line), column \(first.column)",
                    hint: "list each cgroup once")
                continue
            }
            seen[cgroup] = item.location
            cgroups.append(cgroup)
        }
        return cgroups
    }

    /// The commands of `node` (`pre` or `post`), each with its program normalised; a command with any bad word is
    /// left out.
    private mutating func hookCommands(_ node: SpecNode?, _ path: String) -> [[String]] {
        guard case .sequence(let items)? = node?.value else { return [] }
        var commands: [[String]] = []
        for (index, item) in items.enumerated() {
            let commandPath = "\(path)[\(index)]"
            if let text = item.string {
                addHint(QuiesceRules.commandListHint(for: text), toErrorsAt: commandPath)
                continue
            }
            guard case .sequence(let words) = item.value else { continue }
            if words.isEmpty {
                addHint(
                    "a command holds at least its program, e.g. [\"/usr/local/bin/app-flush\"]; or remove the empty list",
                    toErrorsAt: commandPath)
                continue
            }
            var command: [String] = []
            for (position, word) in words.enumerated() {
                guard let text = word.string, text.unicodeScalars.count <= QuiesceRules.maxWordLength,
                    let checked = hookWord(text, at: word, "\(commandPath)[\(position)]", isProgram: position == 0)
                else { continue }
                command.append(checked)
            }
            if command.count == words.count { commands.append(command) }
        }
        return commands
    }

    /// `text` as word `path` of a hook: no NUL; the program an absolute, normalised path.
    private mutating func hookWord(_ text: String, at node: SpecNode, _ path: String, isProgram: Bool) -> String? {
        if text.contains("\0") {
            error(node, path, "'\(text.replacing("\0", with: "\\0"))' contains a NUL character, which no word of a command can hold")
            return nil
        }
        guard isProgram else { return text }
        guard text.hasPrefix("/") else {
            error(node, path, "the program '\(text)' is not an absolute path", hint: QuiesceRules.programHint(for: text))
            return nil
        }
        return absolutePath(node, path)
    }
}
