internal import Foundation
internal import JuiceCtlCore

/// The checkpoint manifests this host has read, by file name, each with the inode its file had, in
/// `<baseDir>/.juicectl/manifest-cache.json`. Reading 10,000 manifests through the FUSE mount takes seconds (about
/// 0.4 ms each, measured); listing their directory with each entry's inode (`d_ino`) takes about 0.2 s. A manifest
/// is written once, by an atomic rename that gives it a new inode, so a cached entry whose inode still matches the
/// listing is that file's content; any other is read again. The cache is this host's own: a lost or damaged file only
/// means reading every manifest once more.
struct ManifestCache: Codable {
    struct Entry: Codable {
        var inode: UInt64
        var manifest: CheckpointManifest
    }

    var entries: [String: Entry] = [:]

    static func path(_ spec: VolumeSpec) -> String { "\(spec.stateDir)/manifest-cache.json" }

    static func load(_ spec: VolumeSpec, host: any HostProbing) -> ManifestCache {
        guard let data = host.readLocalFile(path(spec)) else { return ManifestCache() }
        return (try? CheckpointJSON.decoder.decode(ManifestCache.self, from: data)) ?? ManifestCache()
    }

    /// Writes the cache (0600); a failure only costs a slower next observation.
    func save(_ spec: VolumeSpec, host: any HostProbing) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard host.fileExists(spec.stateDir), let data = try? encoder.encode(self) else { return }
        try? host.writeLocalFile(Self.path(spec), data, mode: 0o600)
    }

    /// The cached manifest of `file`, when its inode is known and unchanged.
    func manifest(_ file: String, inode: UInt64?) -> CheckpointManifest? {
        guard let inode, let entry = entries[file], entry.inode == inode else { return nil }
        return entry.manifest
    }
}
