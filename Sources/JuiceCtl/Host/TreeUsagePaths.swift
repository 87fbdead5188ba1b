/// Path arithmetic on texts, for finding who uses a tree: no file is looked at.
enum TreeUsagePaths {
    /// Whether `path` is `directory` or lies below it (`/` holds everything; `/activex` is not below `/active`).
    static func isAtOrBelow(_ path: String, _ directory: String) -> Bool {
        if directory == "/" { return path.hasPrefix("/") }
        return path == directory || (path.hasPrefix(directory) && path.dropFirst(directory.count).hasPrefix("/"))
    }

    /// The path on the mounted filesystem that `path` reaches through a mount of the filesystem's directory
    /// `mountRoot` at `mountPoint`, when `path` (in the same view as `mountPoint`) is at or below the mount point:
    /// `/srv/work/a` through `/active/fs` mounted at `/srv/work` is `/active/fs/a`. `nil` when the texts do not
    /// line up.
    static func filesystemPath(of path: String, mountPoint: String, mountRoot: String) -> String? {
        guard isAtOrBelow(path, mountPoint) else { return nil }
        let rest = mountPoint == "/" ? Substring(path) : path.dropFirst(mountPoint.count)
        return join(mountRoot, rest)
    }

    /// `directory` followed by `rest` (empty or starting with `/`), with no doubled `/`.
    static func join(_ directory: String, _ rest: some StringProtocol) -> String {
        let tail = rest == "/" ? "" : String(rest)
        if tail.isEmpty { return directory }
        return directory == "/" ? tail : directory + tail
    }

    /// A mount root as the kernel names it, without the `//deleted` it appends once the directory is removed.
    static func liveRoot(_ root: String) -> String {
        root.hasSuffix("//deleted") ? String(root.dropLast("//deleted".count)) : root
    }

    /// A tree as a path from the volume root, without a trailing `/` (`/` stays `/`).
    static func normalizedTree(_ tree: String) -> String {
        var tree = tree.hasPrefix("/") ? tree : "/" + tree
        while tree.count > 1, tree.hasSuffix("/") { tree.removeLast() }
        return tree
    }
}
