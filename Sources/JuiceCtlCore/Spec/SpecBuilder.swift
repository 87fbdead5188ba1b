internal import Foundation

/// Turns one validated document into a ``VolumeSpec``: fills defaults, normalises paths and checks the rules that
/// span several keys. Keeps going after a problem so that every error of the document is reported.
struct SpecBuilder {
    let file: String
    let document: Int
    private(set) var diagnostics: [Diagnostic] = []
    /// The document's values as the validator accepted and parsed them.
    private(set) var values = ValidatedValues()

    init(file: String, document: Int) {
        self.file = file
        self.document = document
    }

    mutating func build(_ root: SpecNode) -> VolumeSpec? {
        var validator = SchemaValidator()
        validator.validate(root, against: SpecFormat.document, path: "")
        diagnostics += validator.diagnostics
        values = validator.values
        guard root.entries != nil else { return nil }

        if case .integer(_, let value?) = root["version"]?.value, value != SpecFormat.currentVersion {
            diagnostics.removeAll { $0.path == "version" }
            error(
                root["version"]!, "version", "unsupported spec version \(value); this juicectl reads version \(SpecFormat.currentVersion)")
        }

        let name = root["name"]?.string ?? ""
        let baseDir = absolutePath(root["baseDir"], "baseDir") ?? "/"
        if baseDir == "/", let node = root["baseDir"], let text = node.string, HostPath.normalize(text) == "/" {
            error(
                node, "baseDir", "baseDir must not be the root directory",
                hint: "use a dedicated directory such as /var/lib/juicectl/\(name.isEmpty ? "NAME" : name)")
        }

        let storageNode = root["storage"]
        let storage = self.storage(storageNode, baseDir: baseDir, root: root)
        let metadata = self.metadata(root["metadata"], baseDir: baseDir, name: name)

        // format
        var format = VolumeSpec.FormatSettings.defaults
        let formatNode = root["format"]
        if let size = values.size("format.blockSize") { format.blockSize = size }
        if let compression = formatNode?["compression"]?.string { format.compression = compression }
        if case .integer(_, let days?) = formatNode?["trashDays"]?.value { format.trashDays = Int(days) }

        // mount
        let mountNode = root["mount"]
        let mountPath = absolutePath(mountNode?["path"], "mount.path") ?? "\(baseDir)/data"
        let cacheDir = absolutePath(mountNode?["cacheDir"], "mount.cacheDir") ?? "\(baseDir)/cache"
        let cacheSize = values.size("mount.cacheSize") ?? ByteSize.gibibytes(100)
        var writeback = false
        if case .bool(let value) = mountNode?["writeback"]?.value { writeback = value }
        var uploadDelay = TimeSpan.zero
        if let node = mountNode?["uploadDelay"], let span = values.duration("mount.uploadDelay") {
            uploadDelay = span
            if !writeback, span != .zero {
                diagnostics.append(
                    Diagnostic(
                        .warning, at: node.location, path: "mount.uploadDelay",
                        "uploadDelay has no effect without writeback: true"))
            }
        }
        var options: [VolumeSpec.MountOption] = []
        for entry in mountNode?["options"]?.entries ?? [] where SpecFormat.mountOptions.field(entry.key) != nil {
            switch entry.value.value {
            case .bool(let value): options.append(.init(name: entry.key, value: value ? "true" : "false", isBoolean: true))
            case .string(let text): options.append(.init(name: entry.key, value: text, isBoolean: false))
            case .integer(let text, _), .float(let text): options.append(.init(name: entry.key, value: text, isBoolean: false))
            default: break
            }
        }
        options.sort { $0.name < $1.name }
        var mount = VolumeSpec.MountSettings(
            path: mountPath, cacheDir: cacheDir, cacheSize: cacheSize, writeback: writeback,
            uploadDelay: uploadDelay, options: options)
        self.kernelOptions(mountNode, into: &mount)

        // quotas
        var quotas: [VolumeSpec.Quota] = [.original]
        if let quotasNode = root["quotas"], case .sequence(let items) = quotasNode.value {
            quotas = []
            var seen: [String: SourceLocation] = [:]
            for (index, item) in items.enumerated() {
                if let quota = self.quota(item, index: index) {
                    if let first = seen[quota.path] {
                        error(item, "quotas[\(index)].path", "a quota for \(quota.path) is already declared at line \(first.line)")
                        continue
                    }
                    seen[quota.path] = item.location
                    quotas.append(quota)
                }
            }
        }

        // backup
        var backup: VolumeSpec.BackupSettings? = metadata.sqlitePath != nil ? .init(replicaPath: "\(baseDir)/replica") : nil
        if let node = root["backup"], node.entries != nil {
            if case .bool(false) = node["enabled"]?.value {
                backup = nil
            } else if metadata.sqlitePath == nil {
                error(node, "backup", "Litestream backup needs SQLite metadata", hint: "remove the backup section for this engine")
            } else {
                backup?.replica = replica(node["replica"], baseDir: baseDir, name: name, storage: storage)
                for (key, keyPath) in [
                    ("syncInterval", \VolumeSpec.BackupSettings.syncInterval),
                    ("snapshotInterval", \VolumeSpec.BackupSettings.snapshotInterval),
                    ("retention", \VolumeSpec.BackupSettings.retention),
                ] {
                    if let span = values.duration("backup.\(key)") { backup?[keyPath: keyPath] = span }
                }
            }
        }

        // overlay
        var overlay: VolumeSpec.OverlaySettings?
        if let node = root["overlay"], node.entries != nil {
            overlay = self.overlay(node, mountPath: mountPath, quotas: quotas)
        }

        // checkpoints
        var checkpoints = VolumeSpec.CheckpointSettings()
        if let node = root["checkpoints"]?["schedule"], let text = node.string, !text.isEmpty {
            do {
                checkpoints.schedule = try CheckpointSchedule(text)
            } catch {
                self.error(node, "checkpoints.schedule", error.message, hint: "e.g. @every 15m, @hourly or \"0 */6 * * *\" (UTC)")
            }
        }
        if let retainNode = root["checkpoints"]?["retain"], retainNode.entries != nil {
            func count(_ key: String) -> Int {
                if case .integer(_, let value?) = retainNode[key]?.value { return Int(value) }
                return 0
            }
            func flag(_ key: String) -> Bool {
                if case .bool(let value) = retainNode[key]?.value { return value }
                return false
            }
            let policy = RetentionPolicy(
                last: count("last"), hourly: count("hourly"), daily: count("daily"), weekly: count("weekly"),
                monthly: count("monthly"), pruneManual: flag("pruneManual"), prunePinned: flag("prunePinned"))
            if policy.hasRules {
                checkpoints.retain = policy
            } else if !diagnostics.contains(where: { $0.path == "checkpoints.retain" || $0.path.hasPrefix("checkpoints.retain.") }) {
                // A rule the validator rejected (wrong type, below 0) reads as 0 here: that error says it already.
                error(
                    retainNode, "checkpoints.retain",
                    "retain keeps nothing: set at least one of last, hourly, daily, weekly, monthly above 0",
                    hint: "remove retain to keep every checkpoint")
            }
        }
        checkpoints.quiesce = quiesce(root["checkpoints"]?["quiesce"])
        if case .bool(let value) = root["checkpoints"]?["durable"]?.value { checkpoints.durable = value }
        let restore = self.restore(root["restore"])

        let suspend = root["suspend"]?["reason"]?.string.map { VolumeSpec.Suspension(reason: $0) }

        // rules across keys
        let mountPathNode = mountNode?["path"] ?? root["baseDir"] ?? root
        if mountPath == baseDir {
            error(mountPathNode, "mount.path", "the mount point must not be baseDir itself", hint: "default is <baseDir>/data")
        }
        var inside: [(String, String, SpecNode?)] = [
            (cacheDir, "mount.cacheDir", mountNode?["cacheDir"]),
            (storage.localPath ?? "", "storage.path", storageNode?["path"]),
            (metadata.sqlitePath ?? "", "metadata.url", root["metadata"]?["url"]),
            ("\(baseDir)/.juicectl", "baseDir", root["baseDir"]),
        ]
        // Only a file replica is on this host, where the mount and the database could hold it.
        if let replicaPath = backup?.replicaPath {
            inside.append((replicaPath, "backup.replica.path", root["backup"]?["replica"]?["path"]))
            if let sqlitePath = metadata.sqlitePath,
                HostPath.isWithin(sqlitePath, replicaPath)
                    || replicaPath == (sqlitePath as NSString).deletingLastPathComponent
            {
                error(
                    root["backup"]?["replica"]?["path"] ?? root, "backup.replica.path",
                    "the replica directory must be a directory of its own, not the metadata database's",
                    hint: "the default is <baseDir>/replica")
            }
        }
        for (path, key, node) in inside where !path.isEmpty && HostPath.isWithin(path, mountPath) {
            error(
                node ?? mountPathNode, key, "\(path) lies inside the mount point \(mountPath)",
                hint: "it must stay on the host filesystem, outside the JuiceFS mount")
        }

        checkPassablePaths(root: root, mountPath: mountPath, cacheDir: cacheDir, metadata: metadata, overlay: overlay)

        guard !diagnostics.hasErrors else { return nil }
        let spec = VolumeSpec(
            name: name, baseDir: baseDir, storage: storage, metadata: metadata, format: format,
            mount: mount,
            quotas: quotas,
            overlay: overlay,
            backup: backup,
            checkpoints: checkpoints,
            restore: restore,
            suspend: suspend,
            origin: .init(file: file, document: document, location: root.location, revision: ""))
        return spec.withRevision()
    }

    /// The overlay section, with its rules across keys: the target outside the JuiceFS mount and apart from the
    /// image's mount point and the lower directories; juicectl's own overlay options not repeated.
    private mutating func overlay(_ node: SpecNode, mountPath: String, quotas: [VolumeSpec.Quota]) -> VolumeSpec.OverlaySettings? {
        if case .bool(false) = node["enabled"]?.value { return nil }
        var settings = VolumeSpec.OverlaySettings(lowerDirs: [], upperMount: "\(mountPath)/root-upper")
        if let size = values.size("overlay.imageSize") { settings.imageSize = size }
        if case .sequence(let items) = node["lowerDirs"]?.value {
            for (index, item) in items.enumerated() {
                if let path = absolutePath(item, "overlay.lowerDirs[\(index)]") { settings.lowerDirs.append(path) }
            }
        }
        if let target = absolutePath(node["target"], "overlay.target") { settings.target = target }
        if let upper = absolutePath(node["upperMount"], "overlay.upperMount") { settings.upperMount = upper }
        if case .sequence(let items) = node["mountOptions"]?.value {
            for item in items {
                guard let option = item.string else { continue }
                let key = option.split(separator: "=").first.map(String.init) ?? option
                if ["lowerdir", "upperdir", "workdir"].contains(key) {
                    error(item, "overlay.mountOptions", "'\(key)' is set by juicectl from lowerDirs and upperMount")
                } else {
                    settings.mountOptions.append(option)
                }
            }
        }
        if let policy = node["onCorrupt"]?.string, let value = VolumeSpec.OverlaySettings.CorruptPolicy(rawValue: policy) {
            settings.onCorrupt = value
        }
        let targetNode = node["target"] ?? node
        if HostPath.isWithin(settings.target, mountPath) {
            error(
                targetNode, "overlay.target", "the overlay target \(settings.target) lies inside the JuiceFS mount \(mountPath)",
                hint: "mount the overlay outside the volume, e.g. /mnt/newroot")
        } else if settings.target == "/" {
            error(targetNode, "overlay.target", "the overlay target must not be /")
        } else if HostPath.isWithin(mountPath, settings.target) {
            error(
                targetNode, "overlay.target",
                "the overlay target \(settings.target) contains the JuiceFS mount \(mountPath): the overlay would hide it",
                hint: "mount the overlay outside the volume, e.g. /mnt/newroot")
        }
        if HostPath.isWithin(settings.target, settings.upperMount) || HostPath.isWithin(settings.upperMount, settings.target) {
            error(
                targetNode, "overlay.target",
                "the overlay target and the image mount point \(settings.upperMount) must not contain each other")
        }
        for lower in settings.lowerDirs where HostPath.isWithin(settings.target, lower) || HostPath.isWithin(lower, settings.target) {
            error(targetNode, "overlay.target", "the overlay target and the lower directory \(lower) must not contain each other")
        }
        let upperNode = node["upperMount"] ?? node
        if HostPath.isWithin(mountPath, settings.upperMount) || HostPath.isWithin(settings.upperMount, "\(mountPath)/active")
            || HostPath.isWithin(settings.upperMount, "\(mountPath)/checkpoints")
        {
            error(
                upperNode, "overlay.upperMount",
                "the image mount point must not be the JuiceFS mount itself, contain it, nor lie under active/ or checkpoints/",
                hint: "the default is <mount.path>/root-upper")
        }
        for quota in quotas where HostPath.isWithin(VolumeSpec.OverlaySettings.imagePath, quota.path) {
            diagnostics.append(
                Diagnostic(
                    .warning, at: node.location, path: "overlay",
                    "the quota on \(quota.path) counts the sparse image /active/root-upper.img at its full size (\(settings.imageSize))",
                    hint: "keep quotas below the image, e.g. on /active/fs"))
        }
        return settings
    }

    private mutating func quota(_ node: SpecNode, index: Int) -> VolumeSpec.Quota? {
        guard node.entries != nil else { return nil }
        let prefix = "quotas[\(index)]"
        guard let pathNode = node["path"], let raw = pathNode.string, raw.hasPrefix("/") else { return nil }
        guard let path = HostPath.normalize(raw) else {
            error(
                pathNode, "\(prefix).path", Self.unnormalizedPathMessage(raw), hint: "write the path from the volume root, e.g. /active/fs")
            return nil
        }
        if path == "/" {
            error(
                pathNode, "\(prefix).path", "a directory quota on the volume root is not supported",
                hint: "set it on a directory, e.g. /active/fs")
            return nil
        }
        // A capacity the validator rejected (not a size, or 0) has been reported there.
        let capacity = values.size("\(prefix).capacity")
        if node["capacity"] != nil && capacity == nil { return nil }
        var inodes: UInt64?
        if case .integer(_, let value?) = node["inodes"]?.value, value > 0 { inodes = UInt64(value) }
        // Neither capacity nor inodes: SchemaValidator has reported it (SpecFormat.quota.requiresAnyOf).
        if node["capacity"] == nil && node["inodes"] == nil { return nil }
        return .init(path: path, capacity: capacity, inodes: inodes)
    }

    mutating func absolutePath(_ node: SpecNode?, _ path: String) -> String? {
        guard let node, let text = node.string, text.hasPrefix("/") else { return nil }
        guard let normalized = HostPath.normalize(text) else {
            error(node, path, Self.unnormalizedPathMessage(text), hint: "write the path without them")
            return nil
        }
        if let problem = Self.newlineProblem(text) {
            error(node, path, problem, hint: "rename the directory without the line break")
            return nil
        }
        return normalized
    }

    /// Why ``HostPath/normalize(_:)`` refused `text`: a NUL character (shown as `\0`), or `.` / `..` components.
    static func unnormalizedPathMessage(_ text: String) -> String {
        text.contains("\0")
            ? "'\(text.replacing("\0", with: "\\0"))' contains a NUL character, which no path can hold"
            : "'\(text)' has '.' or '..' components"
    }

    mutating func error(_ node: SpecNode, _ path: String, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, at: node.location, path: path, message, hint: hint))
    }

    mutating func warning(_ node: SpecNode, _ path: String, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(.warning, at: node.location, path: path, message, hint: hint))
    }

    /// Adds `hint` to the errors at `path` that have none (an error of the validator, which knows no hints of the
    /// builder's).
    mutating func addHint(_ hint: String, toErrorsAt path: String) {
        for index in diagnostics.indices
        where diagnostics[index].path == path && diagnostics[index].severity == .error
            && diagnostics[index].hint == nil
        {
            diagnostics[index].hint = hint
        }
    }
}

extension VolumeSpec {
    /// The spec with `origin.revision` set to a digest of everything but its origin.
    func withRevision() -> VolumeSpec {
        var copy = self
        copy.origin.revision = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var content = copy
        content.origin = .init(file: "", document: 0, location: .init(file: "", line: 0, column: 0), revision: "")
        for byte in (try? encoder.encode(content)) ?? Data() {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        copy.origin.revision = String(hash, radix: 16).leftPadded(to: 16)
        return copy
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) && count > suffix.count ? String(dropLast(suffix.count)) : self
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
