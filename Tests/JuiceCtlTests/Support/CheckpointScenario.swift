import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// A mounted, converged `fixvol` (see ``VolumeScenario``) whose juicefs is a ``FakeJuiceFS``: `/active` (inode 2)
/// holds `fs/data.txt` ("live data"), `/active/fs` (inode 3) carries the spec's 10 TiB quota, `/checkpoints` is
/// inode 4. Helpers put checkpoints, manifests, journals and leftovers on the fake volume without logging host
/// calls, and run the executor's checkpoint actions.
struct CheckpointScenario {
    static let activeInode: UInt64 = 2
    static let liveData = "live data"

    let volume: VolumeScenario
    let juicefs: FakeJuiceFS

    var spec: VolumeSpec { volume.spec }
    var host: FakeHost { volume.host }
    var runner: FakeCommandRunner { volume.runner }
    var mountPath: String { volume.mountPath }

    /// The volume; `mounted: false` leaves the host empty (no mount at all).
    init(baseDir: String, _ extra: String = "", mounted: Bool = true) throws {
        volume = try VolumeScenario(baseDir: baseDir, extra)
        juicefs = FakeJuiceFS(host: volume.host, mountPath: volume.mountPath)
        juicefs.install(on: volume.runner)
        guard mounted else { return }
        try volume.installConvergedVolume()
        putFile("/active/fs/data.txt", Self.liveData)
        try juicefs.setQuota("/active/fs", capacityGiB: "10240")
    }

    // MARK: Paths

    /// The host path of a volume path.
    func hostPath(_ volumePath: String) -> String { HostPath.join(mountPath, volumePath) }

    /// The host path of a volume path's directory, `nil` for the root.
    private static func parent(_ volumePath: String) -> String? {
        guard let slash = volumePath.lastIndex(of: "/"), slash != volumePath.startIndex else { return nil }
        return String(volumePath[..<slash])
    }

    // MARK: Setting the volume up (not logged)

    /// A directory at `volumePath` (and its missing parents), each with a new inode.
    func putDirectory(_ volumePath: String) {
        host.update { state in
            for directory in HostPath.selfAndAncestors(volumePath) where state.statuses[HostPath.join(mountPath, directory)] == nil {
                state.statuses[HostPath.join(mountPath, directory)] = .found(inode: state.nextInode, isDirectory: true)
                state.nextInode += 1
            }
        }
    }

    /// A file at `volumePath` with `text`, with a new inode (its directory is made when missing).
    func putFile(_ volumePath: String, _ text: String) {
        if let parent = Self.parent(volumePath) { putDirectory(parent) }
        host.update { state in
            state.statuses[HostPath.join(mountPath, volumePath)] = .found(inode: state.nextInode, isDirectory: false)
            state.nextInode += 1
            state.fileContents[HostPath.join(mountPath, volumePath)] = Data(text.utf8)
        }
    }

    /// A JSON record (manifest, journal, lineage) at `volumePath`, as juicectl writes it.
    func putRecord(_ value: some Encodable, _ volumePath: String) throws {
        putFile(volumePath, String(decoding: try CheckpointJSON.encoder.encode(value), as: UTF8.self))
    }

    /// juicectl's bookkeeping directories: `.juicectl`, `manifests`, `staging`, `trash`.
    func putBookkeeping() {
        for directory in [VolumeLayout.manifests, VolumeLayout.staging, VolumeLayout.trash] { putDirectory(directory) }
    }

    /// Checkpoint `name`: a directory holding `fs/data.txt` with `data`, and (unless `manifest` is false) its
    /// manifest. Returns the checkpoint directory's inode.
    @discardableResult
    func putCheckpoint(
        _ name: String, data: String = "checkpoint data", kind: CheckpointKind = .manual,
        createdAt: Date = Date(timeIntervalSince1970: 1_800_000_000), parent: String? = nil,
        pinned: Bool = false, manifest: Bool = true
    ) throws -> UInt64 {
        putBookkeeping()
        putFile(VolumeLayout.checkpoint(name) + "/fs/data.txt", data)
        if manifest {
            try putRecord(
                CheckpointManifest(name: name, createdAt: createdAt, kind: kind, parent: parent, pinned: pinned),
                VolumeLayout.manifest(name))
        }
        return try #require(host.inode(of: hostPath(VolumeLayout.checkpoint(name))))
    }

    /// Forgets every host call made so far (after setting up).
    func clearCalls() {
        host.update { $0.calls = [] }
    }

    // MARK: Reading the volume

    /// The JSON record at `volumePath`, `nil` when there is none.
    func record<T: Decodable>(_ type: T.Type, _ volumePath: String) throws -> T? {
        guard let text = host.text(of: hostPath(volumePath)) else { return nil }
        return try CheckpointJSON.decoder.decode(T.self, from: Data(text.utf8))
    }

    /// The text of the file at `volumePath`.
    func text(_ volumePath: String) -> String? { host.text(of: hostPath(volumePath)) }

    /// The inode at `volumePath`.
    func inode(_ volumePath: String) -> UInt64? { host.inode(of: hostPath(volumePath)) }

    /// Whether something is at `volumePath`.
    func exists(_ volumePath: String) -> Bool { !host.paths(under: hostPath(volumePath)).isEmpty }

    /// The names directly under the volume directory `volumePath`, from every path the fake knows.
    func names(under volumePath: String) -> [String] {
        let prefix = hostPath(volumePath) + "/"
        return Array(
            Set(
                host.paths(under: hostPath(volumePath)).compactMap { path -> String? in
                    guard path.hasPrefix(prefix) else { return nil }
                    return path.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
                })
        ).sorted()
    }

    /// The mutating host calls and juicefs commands, in order, with the mount point cut from paths:
    /// `mkdir /checkpoints/.juicectl`, `writeLocalFile /checkpoints/.juicectl/restore.json`,
    /// `run juicefs clone --preserve /active /checkpoints/.juicectl/staging/x.abc`, `rename /a /b noReplace`,
    /// `removeLocalItem /x`.
    var timeline: [String] {
        host.calls.filter { call in
            ["run ", "writeLocalFile ", "rename ", "removeLocalItem ", "mkdir "].contains { call.hasPrefix($0) }
        }.map { $0.replacingOccurrences(of: mountPath + "/", with: "/") }
    }

    /// The position of the first timeline entry satisfying `predicate`, recorded as an issue when there is none.
    func position(
        _ description: String, sourceLocation: Testing.SourceLocation = #_sourceLocation,
        where predicate: (String) -> Bool
    ) -> Int {
        guard let index = timeline.firstIndex(where: predicate) else {
            Issue.record("no \(description) in \(timeline)", sourceLocation: sourceLocation)
            return Int.max
        }
        return index
    }

    /// The juicefs commands run, with the mount point cut from paths and the program as `juicefs`.
    var commands: [String] {
        runner.argvs.map { $0.joined(separator: " ").replacingOccurrences(of: mountPath + "/", with: "/") }
    }

    // MARK: Running actions

    var executor: Executor { volume.executor }

    func create(
        _ name: String, kind: CheckpointKind = .manual, note: String? = nil, pinned: Bool = false,
        labels: [String: String] = [:]
    ) async -> ActionResult.Outcome {
        await run(.createCheckpoint(.init(name: name, kind: kind, note: note, pinned: pinned, labels: labels)), target: name)
    }

    func delete(_ name: String, force: Bool = false) async -> ActionResult.Outcome {
        await run(.deleteCheckpoint(.init(name: name, force: force)), target: name)
    }

    func restore(_ name: String, requestId: String? = nil) async -> ActionResult.Outcome {
        await run(.restore(.init(name: name, requestId: requestId)), target: VolumeLayout.active)
    }

    /// Resumes the restore the journal records (the executor reads the journal, not the request's name).
    func resume() async -> ActionResult.Outcome {
        await run(.resumeRestore(.init(name: "journalled")), target: VolumeLayout.active)
    }

    func removeLeftover(_ volumePath: String) async -> ActionResult.Outcome {
        await run(.removeLeftover(Leftover(path: volumePath, kind: .staging)), target: volumePath)
    }

    private func run(_ payload: Action.Payload, target: String) async -> ActionResult.Outcome {
        await executor.execute(Action(payload, .create, target: target, reason: "test"), spec: spec).outcome
    }
}

extension ActionResult.Outcome {
    /// The text of a `done` outcome, `nil` otherwise.
    var doneText: String? {
        if case .done(let text) = self { return text }
        return nil
    }

    /// The text of a `failed` outcome, `nil` otherwise.
    var failureText: String? {
        if case .failed(let text) = self { return text }
        return nil
    }

    /// The text of a `skipped` outcome, `nil` otherwise.
    var skippedText: String? {
        if case .notRun(.skippedByPrecondition(let text)) = self { return text }
        return nil
    }
}
