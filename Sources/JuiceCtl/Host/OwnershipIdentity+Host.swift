internal import Foundation
package import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

extension OwnershipIdentity {
    /// This process as the owner of `spec`'s volume: the host name, machine id and boot id read through `host`, this
    /// process's pid, and the instance id of `spec`'s base directory (made once, see ``instance(file:host:)``).
    ///
    /// - Throws: ``OwnershipError/memory(path:problem:)`` when the instance id cannot be read or made.
    package static func current(for spec: VolumeSpec, host: any HostProbing) async throws(OwnershipError) -> OwnershipIdentity {
        func firstLine(_ text: String?) -> String? {
            guard let line = text?.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces), !line.isEmpty else { return nil }
            return line
        }
        let hostName = firstLine(host.readControlFile("/proc/sys/kernel/hostname")) ?? ProcessInfo.processInfo.hostName
        let machineId = firstLine(host.readLocalFile("/etc/machine-id").map { String(decoding: $0, as: UTF8.self) }) ?? "unknown"
        let bootId = firstLine(host.readControlFile("/proc/sys/kernel/random/boot_id")) ?? "unknown"
        return OwnershipIdentity(
            host: hostName, machineId: machineId, bootId: bootId,
            instance: try await instance(file: spec.instanceIdFile, host: host), pid: getpid())
    }

    /// The instance id stored in `file`, made (a random UUID, mode 0600) when there is none yet.
    ///
    /// Made without a race: written to a temporary file and renamed into place only if no other process made one
    /// meanwhile (`RENAME_NOREPLACE`); the loser reads the winner's. An id that exists but is not one is an error,
    /// never replaced: a new id makes this host a stranger to the volumes it owns.
    package static func instance(file: String, host: any HostProbing) async throws(OwnershipError) -> String {
        if let existing = try existingInstance(file, host: host) { return existing }
        let fresh = UUID().uuidString.lowercased()
        let directory = (file as NSString).deletingLastPathComponent
        let temporary = "\(file).new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            if !host.fileExists(directory) { try host.createLocalDirectory(directory, mode: 0o700) }
            try host.writeLocalFile(temporary, Data((fresh + "\n").utf8), mode: 0o600)
        } catch {
            throw .memory(path: file, problem: "cannot be made: \(error)")
        }
        let code = await host.rename(temporary, to: file, mode: .noReplace, deadline: .seconds(10))
        if code == 0 { return fresh }
        try? host.removeLocalItem(temporary)
        guard code == EEXIST, let existing = try existingInstance(file, host: host) else {
            throw .memory(path: file, problem: "cannot be made: \(String(cString: strerror(code)))")
        }
        return existing
    }

    private static func existingInstance(_ file: String, host: any HostProbing) throws(OwnershipError) -> String? {
        guard let data = host.readLocalFile(file) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard (8...64).contains(text.count), text.allSatisfy(allowed.contains) else {
            throw .memory(
                path: file,
                problem: "does not hold an instance id. Restore it from a backup of this host; a new "
                    + "id (remove the file) makes this host a stranger to the volumes it owns, which then need "
                    + "`juicectl takeover`")
        }
        return text
    }
}
