internal import Foundation

/// The kernel's options juicectl decides for the mounts under `mount.path`: `nosuid` and `nodev` (or `suid` and `dev`
/// when the spec asks for them) on the FUSE mount and on the overlay image's loop mount, and FUSE's `allow_other`;
/// and how a live mount's options, as `/proc/self/mountinfo` shows them, are compared with them.
public enum KernelMountOptions {
    /// The words of `juicefs mount -o` that the spec's own keys decide (`mount.allowOther`, `mount.suid`,
    /// `mount.dev`); `mount.options.o` may not contradict them.
    public static let managedWords: Set<String> = ["allow_other", "allow_root", "suid", "nosuid", "dev", "nodev"]

    /// The words for `juicefs mount -o`: `allow_other` when allowed, then the set-user-ID and device words.
    public static func fuseWords(_ mount: VolumeSpec.MountSettings) -> [String] {
        (mount.allowOther ? ["allow_other"] : []) + imageWords(mount)
    }

    /// The words added to the image's `mount -o loop,...`: `nosuid,nodev` unless the spec says otherwise.
    public static func imageWords(_ mount: VolumeSpec.MountSettings) -> [String] {
        [mount.suid ? "suid" : "nosuid", mount.dev ? "dev" : "nodev"]
    }

    /// The words of a spec's `mount.options.o` that are not juicectl's, in their order.
    public static func userWords(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !managedWords.contains($0) }
    }

    /// How a live mount differs from the spec's set-user-ID and device settings (and, with `superOptions`, from
    /// `allow_other`), one phrase each; empty when they agree.
    ///
    /// - Parameters:
    ///   - mountOptions: the per-mount options of the mount's mountinfo line (`rw,nosuid,nodev,relatime`).
    ///   - superOptions: the superblock options of a FUSE mount (`...,allow_other,...`); `nil` for the image.
    public static func drift(_ mount: VolumeSpec.MountSettings, mountOptions: String, superOptions: String?) -> [String] {
        let flags = Set(mountOptions.split(separator: ",").map(String.init))
        var drift: [String] = []
        if flags.contains("nosuid") == mount.suid {
            drift.append(
                mount.suid
                    ? "set-user-ID files are ignored (nosuid), and mount.suid is true"
                    : "set-user-ID files take effect (no nosuid), and mount.suid is false")
        }
        if flags.contains("nodev") == mount.dev {
            drift.append(
                mount.dev
                    ? "device files are refused (nodev), and mount.dev is true"
                    : "device files open devices (no nodev), and mount.dev is false")
        }
        if let superOptions, mount.allowOther, !superOptions.split(separator: ",").contains("allow_other") {
            drift.append("only root may enter it (no allow_other), and mount.allowOther is true")
        }
        return drift
    }

    /// The `mount -o` words that set per-mount flags (mountinfo's sixth field), each with the test of those flags: a
    /// spec's overlay option among these is compared with the per-mount flags, not with the superblock's options.
    static let perMountWords: [String: @Sendable (Set<String>) -> Bool] = [
        "ro": { $0.contains("ro") }, "rw": { $0.contains("rw") },
        "nosuid": { $0.contains("nosuid") }, "suid": { !$0.contains("nosuid") },
        "nodev": { $0.contains("nodev") }, "dev": { !$0.contains("nodev") },
        "noexec": { $0.contains("noexec") }, "exec": { !$0.contains("noexec") },
        "noatime": { $0.contains("noatime") }, "relatime": { $0.contains("relatime") },
        "strictatime": { !$0.contains("noatime") && !$0.contains("relatime") },
        "nodiratime": { $0.contains("nodiratime") }, "diratime": { !$0.contains("nodiratime") },
    ]

    /// Whether a mounted overlay carries every option of `wanted` (`mount -o` words): per-mount flags are looked up
    /// in `mountOptions`, the rest in `superOptions`, whose values are compared after mountinfo's octal escapes
    /// (`\040` for a space, ...) are decoded. Options the kernel adds (`uuid=on`, ...) are ignored, and so are
    /// per-mount words when `mountOptions` is unknown.
    public static func overlayCarries(_ wanted: [String], mountOptions: String?, superOptions: String) -> Bool {
        let flags = mountOptions.map { Set($0.split(separator: ",").map(String.init)) }
        let options = Set(superOptions.split(separator: ",").map { MountInfoText.unescape($0) })
        return wanted.allSatisfy { word in
            if let holds = perMountWords[word] { return flags.map(holds) ?? true }
            return options.contains(word)
        }
    }
}
