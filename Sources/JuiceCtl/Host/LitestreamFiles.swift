package import Foundation
internal import JuiceCtlCore

/// What juicectl records about the Litestream process it started for a volume.
package struct LitestreamPidRecord: Sendable, Codable, Hashable {
    /// Its pid.
    package var pid: Int32
    /// The digest of the configuration it was started with.
    package var configDigest: String
    /// When it started.
    package var started: Date
}

/// Reads Litestream's files: the positions in its local LTX files (beside the database) and in a file replica.
/// LTX files are named `<minTXID>-<maxTXID>.ltx` (hexadecimal) under `ltx/<level>/`.
enum LitestreamFiles {
    /// The directory Litestream keeps beside `database`.
    static func sidecar(of database: String) -> String {
        let url = URL(fileURLWithPath: database)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent)-litestream").path
    }

    /// The newest transaction in an LTX tree and the newest file's path, over all levels.
    static func newest(in root: String, host: any HostProbing) -> (txid: UInt64, file: String)? {
        var best: (txid: UInt64, file: String)?
        for level in host.contentsOfDirectory("\(root)/ltx") ?? [] {
            for name in host.contentsOfDirectory("\(root)/ltx/\(level)") ?? [] where name.hasSuffix(".ltx") {
                guard let end = name.dropLast(4).split(separator: "-").last, let txid = UInt64(end, radix: 16) else { continue }
                if txid > (best?.txid ?? 0) { best = (txid, "\(root)/ltx/\(level)/\(name)") }
            }
        }
        return best
    }

    /// Whether an LTX tree holds any file.
    static func holdsAnything(_ root: String, host: any HostProbing) -> Bool {
        (host.contentsOfDirectory("\(root)/ltx") ?? []).contains { level in
            (host.contentsOfDirectory("\(root)/ltx/\(level)") ?? []).contains { $0.hasSuffix(".ltx") }
        }
    }

    /// The pid record, if any.
    static func pidRecord(_ spec: VolumeSpec, host: any HostProbing) -> LitestreamPidRecord? {
        guard let data = host.readLocalFile(spec.litestreamPidFile) else { return nil }
        return try? CheckpointJSON.decoder.decode(LitestreamPidRecord.self, from: data)
    }

    /// Litestream processes replicating this volume: started with its configuration file, or naming its database.
    static func processes(_ spec: VolumeSpec, host: any HostProbing) -> [Int32] {
        host.processes().filter { replicates($1, spec) }.keys.sorted()
    }

    /// Whether a command line is `litestream replicate` for this volume: with its configuration file, or naming its
    /// database.
    static func replicates(_ words: [String], _ spec: VolumeSpec) -> Bool {
        words.contains { $0.hasSuffix("litestream") } && words.contains("replicate")
            && (words.contains(spec.litestreamConfigFile) || spec.metadata.sqlitePath.map(words.contains) == true)
    }
}
