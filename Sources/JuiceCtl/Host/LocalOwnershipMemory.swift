internal import Foundation
package import JuiceCtlCore

/// What this instance remembers owning, in `<baseDir>/.juicectl/ownership.json` (mode 0600, the directory 0700),
/// through the host seam.
package struct LocalOwnershipMemory: OwnershipMemory {
    /// The file.
    package let path: String
    let host: any HostProbing

    /// The memory of `spec`'s instance.
    package init(spec: VolumeSpec, host: any HostProbing) {
        self.init(path: spec.ownershipMemoryFile, host: host)
    }

    /// The memory kept at `path`.
    package init(path: String, host: any HostProbing) {
        self.path = path
        self.host = host
    }

    package func recall() throws -> RememberedOwnership? {
        guard let data = host.readLocalFile(path) else { return nil }
        do {
            return try JSONDecoder().decode(RememberedOwnership.self, from: data)
        } catch {
            throw OwnershipError.memory(
                path: path,
                problem: "cannot be read (it is not juicectl's JSON); remove it only "
                    + "if this host owns no volume through it")
        }
    }

    package func remember(_ ownership: RememberedOwnership) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !host.fileExists(directory) { try host.createLocalDirectory(directory, mode: 0o700) }
            try host.writeLocalFile(path, try encoder.encode(ownership), mode: 0o600)
        } catch {
            throw OwnershipError.memory(path: path, problem: "cannot be written: \(error)")
        }
    }
}
