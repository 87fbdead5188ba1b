/// The limits of `checkpoints.quiesce`, read by the spec format (``SpecFormat``) and the builder, so that the
/// published schema, the messages and the checks name the same numbers.
enum QuiesceRules {
    /// The most commands `pre` or `post` may hold.
    static let maxCommands = 64
    /// The most words one command may have, the program included.
    static let maxWords = 256
    /// The longest word of a command, in characters (Unicode code points, as JSON Schema counts them).
    static let maxWordLength = 4096

    /// The range of `hookTimeout`.
    static let hookTimeout = TimeSpan.seconds(1)...TimeSpan.seconds(3600)
    /// The range of `maxFrozen`.
    static let maxFrozen = TimeSpan(nanoseconds: 10_000_000)...TimeSpan.seconds(600)

    /// Where the kernel's cgroup hierarchies are mounted: the root there has no freezer, and a path above it is no
    /// cgroup at all.
    static let cgroupRoot = "/sys/fs/cgroup"

    /// What is wrong with the normalised `cgroup` as a directory to freeze; `nil` when nothing the spec can see is.
    static func cgroupProblem(_ cgroup: String) -> (message: String, hint: String)? {
        guard HostPath.isWithin(cgroupRoot, cgroup) else { return nil }
        let hint = "name the sandbox's own cgroup, e.g. \(cgroupRoot)/freezer/sandbox-1 (v1) or \(cgroupRoot)/sandbox.slice/sandbox-1 (v2)"
        if cgroup == cgroupRoot {
            return ("'\(cgroup)' is the root of the cgroup hierarchy, which cannot be frozen", hint)
        }
        return ("'\(cgroup)' holds the cgroup hierarchy \(cgroupRoot): it is no cgroup, and the root cannot be frozen", hint)
    }

    /// Why the first word of a hook must be an absolute path, with an example built from `word` when it is a plain
    /// program name.
    static func programHint(for word: String) -> String {
        let isName = !word.isEmpty && !word.contains("/") && word.unicodeScalars.count <= 64
        let example = isName ? "/usr/local/bin/\(word)" : "/usr/local/bin/app-flush"
        return "juicectl runs hooks as root and does not search PATH: name the program by its absolute path, e.g. \(example)"
    }

    /// How to write a command that was given as one string: its words as a YAML list.
    static func commandListHint(for text: String) -> String {
        let words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty, text.unicodeScalars.count <= 200, !text.contains("\"") else {
            return "a command is a list of words, e.g. [\"/usr/local/bin/app-flush\", \"--fast\"]"
        }
        return "a command is a list of words: write [\(words.map { "\"\($0)\"" }.joined(separator: ", "))]"
    }
}
