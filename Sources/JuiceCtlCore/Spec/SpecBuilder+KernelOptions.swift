internal import Foundation

/// `mount.allowOther`, `mount.suid` and `mount.dev`, and the words of `mount.options.o` they decide.
extension SpecBuilder {
    /// Reads the three keys into `mount`, and checks `mount.options.o` against them: a word that says the same is
    /// redundant (a warning; juicectl passes it once), a word that says the opposite is an error.
    mutating func kernelOptions(_ mountNode: SpecNode?, into mount: inout VolumeSpec.MountSettings) {
        if let node = mountNode?["allowOther"], case .bool(let value) = node.value {
            if value {
                mount.allowOther = true
            } else {
                error(
                    node, "mount.allowOther",
                    """
                    allowOther: false cannot be honoured: juicefs 1.4 mounts with allow_other whenever it runs as root, and juicectl \
                    runs it as root
                    """,
                    hint:
                        """
                        remove the key (true is the default) and keep other users out with the mount point's parent directory, e.g. \
                        the default <baseDir>/data inside the 0700 baseDir
                        """
                )
            }
        }
        if case .bool(let value) = mountNode?["suid"]?.value { mount.suid = value }
        if case .bool(let value) = mountNode?["dev"]?.value { mount.dev = value }
        guard let node = mountNode?["options"]?["o"], let text = node.string else { return }
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let key: String
            let agrees: Bool
            switch word {
            case "allow_other", "allow_root": (key, agrees) = ("allowOther", mount.allowOther)
            case "nosuid": (key, agrees) = ("suid", !mount.suid)
            case "suid": (key, agrees) = ("suid", mount.suid)
            case "nodev": (key, agrees) = ("dev", !mount.dev)
            case "dev": (key, agrees) = ("dev", mount.dev)
            default: continue
            }
            let value = key == "allowOther" ? mount.allowOther : key == "suid" ? mount.suid : mount.dev
            if agrees {
                warning(
                    node, "mount.options.o", "'\(word)' in o is what mount.\(key) (\(value)) says already",
                    hint: "remove it from o; juicectl passes it from mount.\(key)")
            } else {
                error(
                    node, "mount.options.o", "'\(word)' in o contradicts mount.\(key): \(value)",
                    hint: "set mount.\(key): \(!value) instead, and remove '\(word)' from o")
            }
        }
    }
}
