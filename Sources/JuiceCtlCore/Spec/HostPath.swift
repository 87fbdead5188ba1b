/// Normalisation and containment rules for absolute host paths and paths inside a volume.
public enum HostPath {
    /// `path` with repeated and trailing slashes removed, or `nil` when it has `.` or `..` components or a NUL.
    public static func normalize(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.contains("\0") else { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return "/" + components.joined(separator: "/")
    }

    /// Whether `path` is `ancestor` or lies below it (both normalised).
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        if ancestor == "/" { return true }
        return path == ancestor || path.hasPrefix(ancestor + "/")
    }

    /// `volumePath` (from the volume root, e.g. `/active/fs`) under the mount point `mountPath`.
    public static func join(_ mountPath: String, _ volumePath: String) -> String {
        volumePath == "/" ? mountPath : mountPath + volumePath
    }

    /// `/a`, `/a/b`, `/a/b/c` for `/a/b/c`: every ancestor below the root, then the path itself.
    public static func selfAndAncestors(_ path: String) -> [String] {
        var result: [String] = []
        var current = ""
        for component in path.split(separator: "/") {
            current += "/\(component)"
            result.append(current)
        }
        return result
    }
}
