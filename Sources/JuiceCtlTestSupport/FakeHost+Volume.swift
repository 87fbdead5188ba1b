package import Foundation
package import JuiceCtl
package import JuiceCtlCore

/// ``VolumeCalling`` on the fake host: each call is the path call it stands for on `root + path` (so it is logged as
/// `readFile`, `writeLocalFile`, `mkdir`, `removeLocalItem`, `rename`, `copyOwnership`, `createSparseFile`, `lock`),
/// after the walk a real host makes: a directory on the way in ``State/symbolicLinks`` stops it (as unsafe when it is
/// one of juicectl's), and so does one of juicectl's directories that ``State/guardedEntries`` makes unsafe.
extension FakeHost {
    package func guardedEntries(_ paths: [String], below root: String, deadline: Duration) async -> VolumeGuardObservation? {
        update { state in
            state.calls.append("guardedEntries \(root)")
            var entries: [String: GuardedEntry] = [:]
            for path in paths {
                guard Self.walkFailure(to: path, below: root, in: state) == nil,
                    let entry = Self.guardedEntry(path, below: root, in: state)
                else { continue }
                entries[path] = entry
            }
            let rootEntry = state.guardedEntries[root] ?? GuardedEntry(path: "/", kind: .directory, uid: 0, mode: VolumeLayout.rootMode)
            return VolumeGuardObservation(root: rootEntry, entries: entries)
        }
    }

    package func readVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeFileRead {
        switch walk(path, below: root) {
        case .unsafe(let entry)?: return .unsafe(entry)
        case .failed(let code)?: return .failed(errno: code)
        case .done?, nil: break
        }
        if symbolicLinkAt(path, below: root) { return .failed(errno: ELOOP) }
        guard let data = await readFile(root + path, deadline: deadline) else { return .failed(errno: ENOENT) }
        return .contents(data)
    }

    package func writeVolumeFile(_ path: String, _ data: Data, mode: UInt16, below root: String, deadline: Duration) async
        -> VolumeCallResult
    {
        if let failure = walk(path, below: root) { return failure }
        do {
            try writeLocalFile(root + path, data, mode: mode)
            return .done
        } catch {
            return .failed(errno: EIO)
        }
    }

    package func makeVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult {
        if let failure = walk(path, below: root) { return failure }
        let code = await makeDirectory(root + path, mode: mode, deadline: deadline)
        return code == 0 ? .done : .failed(errno: code)
    }

    package func removeVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeCallResult {
        if let failure = walk(path, below: root) { return failure }
        guard
            snapshot.fileContents[root + path] != nil || snapshot.localFiles.contains(root + path) || snapshot.statuses[root + path] != nil
        else {
            return .failed(errno: ENOENT)
        }
        do {
            try removeLocalItem(root + path)
            return .done
        } catch {
            return .failed(errno: ENOENT)
        }
    }

    package func renameOnVolume(
        _ source: String, to destination: String, mode: RenameMode, below root: String,
        deadline: Duration
    ) async -> VolumeCallResult {
        if let failure = walk(source, below: root) ?? walk(destination, below: root) { return failure }
        let code = await rename(root + source, to: root + destination, mode: mode, deadline: deadline)
        return code == 0 ? .done : .failed(errno: code)
    }

    package func copyVolumeOwnership(
        from source: String, to destination: String, below root: String,
        deadline: Duration
    ) async -> VolumeCallResult {
        if let failure = walk(source, below: root) ?? walk(destination, below: root) { return failure }
        if symbolicLinkAt(source, below: root) || symbolicLinkAt(destination, below: root) { return .failed(errno: ELOOP) }
        update { state in state.calls.append("copyOwnership \(root + source) \(root + destination)") }
        return .done
    }

    package func secureVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult {
        let key = path == "/" ? root : root + path
        if path != "/", let failure = walk(path, below: root) { return failure }
        if symbolicLinkAt(path, below: root) { return .failed(errno: ENOTDIR) }
        update { state in
            state.calls.append("secureDirectory \(key) \(String(mode, radix: 8))")
            state.guardedEntries[key] = GuardedEntry(path: path, kind: .directory, uid: 0, mode: UInt32(mode))
        }
        return .done
    }

    package func createVolumeFile(
        _ path: String, size: UInt64, below root: String,
        deadline: Duration
    ) async -> Result<OpenVolumeFile, VolumeCallFailure> {
        if let failure = walk(path, below: root) { return .failure(VolumeCallFailure(operation: "create \(path)", result: failure)) }
        do {
            try createSparseFile(root + path, size: size)
            return .success(OpenVolumeFile(descriptor: -1, procPath: root + path))
        } catch {
            return .failure(VolumeCallFailure(operation: "create \(path)", result: .failed(errno: EEXIST)))
        }
    }

    /// Attaches the next free fake loop device (`/dev/loop3` up) to `root + path`, logged as `attachLoop FILE DEVICE`.
    package func attachLoopDevice(_ path: String, below root: String, deadline: Duration) async -> Result<
        AttachedLoopDevice, VolumeCallFailure
    > {
        if let failure = walk(path, below: root) { return .failure(VolumeCallFailure(operation: "attach \(path)", result: failure)) }
        let device: String? = update { state in
            guard state.statuses[root + path] != nil || state.localFiles.contains(root + path) else { return nil }
            var number = 3
            while state.loopDevices.contains(where: { $0.device == "/dev/loop\(number)" }) { number += 1 }
            state.loopDevices.append(LoopDevice(device: "/dev/loop\(number)", backingFile: root + path))
            state.calls.append("attachLoop \(root + path) /dev/loop\(number)")
            return "/dev/loop\(number)"
        }
        guard let device else { return .failure(VolumeCallFailure(operation: "attach \(path)", result: .failed(errno: ENOENT))) }
        return .success(AttachedLoopDevice(device: device, descriptor: -1))
    }

    package func volumeLock(_ path: String, below root: String, operation: String, timeout: Duration) async throws -> any HeldLock {
        if let failure = walk(path, below: root) { throw VolumeCallFailure(operation: "open the lock \(path)", result: failure) }
        return try await exclusiveLock(root + path, operation: operation, timeout: timeout)
    }

    package func removeRootOwnedFile(named name: String, in directory: String) -> Bool {
        guard !snapshot.foreignTemporaryFiles.contains(name) else {
            update { state in state.calls.append("leftAlone \(directory)/\(name)") }
            return false
        }
        return (try? removeLocalItem("\(directory)/\(name)")) != nil
    }

    // MARK: The walk

    /// Why a call on `path` below `root` stops on a directory before its last name, or `nil`.
    private func walk(_ path: String, below root: String) -> VolumeCallResult? {
        update { state in Self.walkFailure(to: path, below: root, in: state) }
    }

    private func symbolicLinkAt(_ path: String, below root: String) -> Bool {
        snapshot.symbolicLinks.contains(root + path)
    }

    private static func walkFailure(to path: String, below root: String, in state: State) -> VolumeCallResult? {
        let names = path.split(separator: "/").map(String.init)
        var walked = ""
        for name in names.dropLast() {
            walked += "/" + name
            if state.symbolicLinks.contains(root + walked) {
                return VolumeLayout.isGuarded(walked)
                    ? .unsafe(UnsafeVolumeEntry(path: walked, problem: .symbolicLink)) : .failed(errno: ENOTDIR)
            }
            if VolumeLayout.isGuarded(walked), let entry = state.guardedEntries[root + walked], let problem = entry.problem {
                return .unsafe(UnsafeVolumeEntry(path: walked, problem: problem))
            }
        }
        return nil
    }

    private static func guardedEntry(_ path: String, below root: String, in state: State) -> GuardedEntry? {
        let key = root + path
        if let entry = state.guardedEntries[key] { return entry }
        if state.symbolicLinks.contains(key) { return GuardedEntry(path: path, kind: .symbolicLink, uid: 0, mode: 0o777) }
        switch state.statuses[key] {
        case .found(_, true)?:
            return GuardedEntry(path: path, kind: .directory, uid: 0, mode: VolumeLayout.directoryMode(path) ?? 0o755)
        case .found(_, false)?:
            return GuardedEntry(path: path, kind: .regular, uid: 0, mode: 0o600)
        default:
            return state.fileContents[key] != nil ? GuardedEntry(path: path, kind: .regular, uid: 0, mode: 0o600) : nil
        }
    }
}
