import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Logging
import Testing

@testable import JuiceCtl

/// One volume (`fixvol`, the fixtures' volume) on a fake host with a fake runner, with helpers that set the host
/// up the way the real one looked. Its baseDir is a real temporary directory, but every file juicectl reads or writes
/// there (the state file, the event log, the lock, the storage's `juicefs_uuid`) lives on the fake host.
struct VolumeScenario {
    static let tools = Tools(
        juicefs: "/opt/fake/bin/juicefs", umount: "/opt/fake/bin/umount", litestream: "/opt/fake/bin/litestream",
        sqlite3: "/opt/fake/bin/sqlite3")
    /// The fixture mount's FUSE child and supervisor.
    static let pid: Int32 = 13855
    static let supervisorPID: Int32 = 13846
    /// The fixture volume's UUID.
    static let uuid = "62e7dfea-1d24-47fa-8aaf-090b34a809d6"
    /// The pid ``installReplicatingLitestream(pid:digest:)`` gives Litestream.
    static let litestreamPID: Int32 = 20202

    let spec: VolumeSpec
    let host = FakeHost()
    let runner = FakeCommandRunner()
    /// The ownership of movable volumes (S3 replica or S3 storage), in memory.
    let ownership = InMemoryOwnership()

    init(baseDir: String, _ extra: String = "") throws {
        spec = try TestSpec.make(baseDir: baseDir, extra)
        // The freeze watchdog starts (and prints its pid) whenever something is frozen.
        runner.on(prefix: ["sh", "-c", FreezeWatchdog.script], .success("4242\n"))
    }

    var url: String { spec.metadata.url }
    var mountPath: String { spec.mount.path }
    var observer: VolumeObserver {
        VolumeObserver(
            host: host, juicefs: JuiceFSClient(runner: runner, executable: Self.tools.juicefs),
            litestream: LitestreamClient(runner: runner, executable: Self.tools.litestream))
    }
    var executor: Executor { Executor(host: host, runner: runner, tools: Self.tools, logger: .quiet, ownership: ownership.factory) }
    var reconciler: Reconciler { Reconciler(host: host, runner: runner, tools: Self.tools, logger: .quiet, ownership: ownership.factory) }
    /// The volume's state file, as the executor and observer read and write it: on the fake host.
    var stateStore: StateStore { StateStore(stateDir: spec.stateDir, host: host) }

    /// The SQLite file exists.
    func metadataFileExists() throws {
        host.setLocalFile(try #require(spec.metadata.sqlitePath))
    }

    /// The object storage holds the fixture volume (its `juicefs_uuid` on the fake host).
    func storageHoldsVolume(uuid: String = VolumeScenario.uuid) throws {
        let file = try #require(spec.storage.uuidFilePath(volume: spec.name))
        host.setLocalFile(file)
        host.setFile(file, text: uuid)
        host.setLocalFile(file)
    }

    /// The fixture mount's `.config`, moved to this spec's mount point and storage.
    func mountConfig(
        name: String = "fixvol", pid: Int32 = VolumeScenario.pid,
        supervisorPID: Int32 = VolumeScenario.supervisorPID
    ) throws -> String {
        try Fixture.text("host/mount-config.json")
            .replacingOccurrences(of: "\"/tmp/jc-fixtures/objects/\"", with: "\"\(spec.storage.bucket)\"")
            .replacingOccurrences(of: "\"/tmp/jc-fixtures/mnt\"", with: "\"\(spec.mount.path)\"")
            .replacingOccurrences(of: "\"Name\": \"fixvol\"", with: "\"Name\": \"\(name)\"")
            .replacingOccurrences(of: "\"Pid\": 13855", with: "\"Pid\": \(pid)")
            .replacingOccurrences(of: "\"PPid\": 13846", with: "\"PPid\": \(supervisorPID)")
    }

    /// The mount as the real one looked: its mountinfo line, inode 1 at the mount point, `.config`, the
    /// (rewritten) command line of both processes, both alive, and the root's statfs figures.
    func installLiveMount(
        id: Int = 44, pid: Int32 = VolumeScenario.pid,
        supervisorPID: Int32 = VolumeScenario.supervisorPID
    ) throws {
        let commandLine = ProcessCommandLine.split(try Fixture.bytes("host/cmdline-child.bin"))
        let config = try mountConfig(pid: pid, supervisorPID: supervisorPID)
        let root = try #require(try StatfsFixture.load("host/statfs.txt")["/"])
        host.appendMountInfo(
            FakeHost.mountInfoLine(
                id: id, parentID: 27, device: "0:\(id - 3)", mountPoint: mountPath,
                fstype: "fuse.juicefs", source: "JuiceFS:\(spec.name)",
                superOptions: "rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072"))
        host.setDirectory(mountPath, inode: 1)
        host.setFile("\(mountPath)/.config", text: config)
        host.setProcess(pid, commandLine: commandLine)
        host.setProcess(supervisorPID, commandLine: commandLine)
        host.setStatfs(mountPath, root)
    }

    /// What a finished unmount leaves: no mountinfo line, the bare directory, both processes gone.
    func removeLiveMount(pid: Int32 = VolumeScenario.pid, supervisorPID: Int32 = VolumeScenario.supervisorPID) {
        host.removeMountInfo(at: mountPath)
        host.setDirectory(mountPath, inode: 4242)
        host.setAlive(pid, false)
        host.setAlive(supervisorPID, false)
    }

    /// `/active`, `/active/fs` and `/checkpoints` exist on the mounted volume.
    func installVolumeDirectories() {
        for (offset, path) in spec.volumeDirectories.enumerated() {
            host.setDirectory(HostPath.join(mountPath, path), inode: UInt64(2 + offset))
        }
    }

    /// statfs of `volumePath` on the mounted volume shows `stats`.
    func setStatfs(_ volumePath: String, _ stats: FilesystemStats) {
        host.setStatfs(HostPath.join(mountPath, volumePath), stats)
    }

    /// The volume fully converged as declared by the default spec: mounted, directories there, 10 TiB on
    /// /active/fs visible through statfs, storage and metadata present (and no hard link in it: the query for
    /// them prints no row).
    func installConvergedVolume() throws {
        try metadataFileExists()
        runner.on(prefix: ["sqlite3"], .success(""))
        try storageHoldsVolume()
        try installLiveMount()
        installVolumeDirectories()
        let figures = try StatfsFixture.load("host/statfs.txt")
        setStatfs("/active/fs", try #require(figures["/active/fs"]))
    }

    /// The command line of `litestream replicate` as juicectl starts it for this volume.
    var litestreamCommandLine: [String] { [Self.tools.litestream, "replicate", "-config", spec.litestreamConfigFile] }

    /// Litestream replicating this volume as juicectl left it: the spec's configuration on disk, the pid record
    /// (with `digest`, by default the configuration's), the process alive with its command line, and one LTX file
    /// at transaction `txid` both beside the database and in the replica.
    func installReplicatingLitestream(pid: Int32 = VolumeScenario.litestreamPID, digest: String? = nil, txid: UInt64 = 7) throws {
        let text = try #require(LitestreamConfig.text(for: spec))
        host.setFile(spec.litestreamConfigFile, text: text)
        host.setLocalFile(spec.litestreamConfigFile)
        try recordLitestream(pid: pid, digest: digest ?? LitestreamConfig.digest(text))
        host.setProcess(pid, commandLine: litestreamCommandLine)
        let name = Self.ltxName(1, txid)
        host.setLocalFile("\(try #require(spec.backup?.replicaPath))/ltx/0/\(name)")
        host.setLocalFile("\(LitestreamFiles.sidecar(of: try #require(spec.metadata.sqlitePath)))/ltx/0/\(name)")
    }

    /// Writes juicectl's pid record for Litestream onto the fake host.
    func recordLitestream(pid: Int32, digest: String, started: Date = Date()) throws {
        let record = LitestreamPidRecord(pid: pid, configDigest: digest, started: started)
        host.setFile(spec.litestreamPidFile, try CheckpointJSON.encoder.encode(record))
        host.setLocalFile(spec.litestreamPidFile)
    }

    /// An LTX file name as Litestream writes it: both transaction ids in 16 hexadecimal digits.
    static func ltxName(_ minTXID: UInt64, _ maxTXID: UInt64) -> String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        }
        return "\(hex(minTXID))-\(hex(maxTXID)).ltx"
    }

    /// An action for this spec.
    func action(_ payload: Action.Payload, _ target: String? = nil, conditional: Bool = false) -> Action {
        let quotaPath: String? = if case .setQuota(let quota) = payload { quota.path } else { nil }
        return Action(payload, .create, target: target ?? quotaPath ?? mountPath, reason: "test", conditional: conditional)
    }
}
