import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// A converged `fixvol` (see ``CheckpointScenario``) whose spec has an overlay of `/srv/base` (which exists) at
/// `/mnt/newroot`, its image loop-mounted at `<mount>/root-upper`. Fake `mount`, `umount`, `losetup`, `mkfs.ext4`
/// and `fsfreeze` change the host the way the real ones do (mountinfo lines, loop devices) and write themselves
/// into the host's call log as `run PROGRAM ARGS...`, so that one timeline shows commands and host calls in order.
///
/// Nothing of the overlay is there at first: ``putImage()``, ``mountUpper()`` and ``mountOverlay()`` set it up
/// without logging.
struct OverlayScenario {
    static let yaml = "overlay:\n  lowerDirs: [/srv/base]\n"
    static let lowerDir = "/srv/base"
    static let target = "/mnt/newroot"
    static let device = "/dev/loop3"

    let checkpoint: CheckpointScenario

    var volume: VolumeScenario { checkpoint.volume }
    var spec: VolumeSpec { checkpoint.spec }
    var host: FakeHost { checkpoint.host }
    var runner: FakeCommandRunner { checkpoint.runner }
    var mountPath: String { checkpoint.mountPath }
    var executor: Executor { checkpoint.executor }
    var overlay: VolumeSpec.OverlaySettings { spec.overlay! }
    var upperMount: String { overlay.upperMount }
    /// The image's host path.
    var image: String { checkpoint.hostPath(VolumeSpec.OverlaySettings.imagePath) }
    var stateStore: StateStore { volume.stateStore }

    init(baseDir: String, _ extra: String = OverlayScenario.yaml, mounted: Bool = true) throws {
        checkpoint = try CheckpointScenario(baseDir: baseDir, extra, mounted: mounted)
        try #require(spec.overlay != nil, "the spec has no overlay")
        // The host's root, so that `mkdir -p` of mount points outside the volume reaches it.
        host.setDirectory("/", inode: 900_000)
        host.setLocalFile(Self.lowerDir)
        Self.installTools(host: host, runner: runner)
    }

    // MARK: Fake programs

    /// Writes `command` into the host's call log as `run PROGRAM ARGS...`.
    static func log(_ command: Command, on host: FakeHost) {
        host.update { $0.calls.append("run " + FakeCommandRunner.argv(command).joined(separator: " ")) }
    }

    static func installTools(host: FakeHost, runner: FakeCommandRunner) {
        runner.on(prefix: ["mount"]) { command in
            log(command, on: host)
            let arguments = command.arguments
            let words =
                arguments.count > 1
                ? arguments[arguments.firstIndex(of: "-o").map { $0 + 1 } ?? 0].split(separator: ",").map(String.init) : []
            if Array(arguments.prefix(3)) == ["-t", "ext4", "-o"], arguments.count == 6, words.first == "loop" {
                attachAndMount(arguments[4], at: arguments[5], flags: Array(words.dropFirst()), on: host)
                return .success()
            }
            // A loop device juicectl attached itself (``FakeHost/attachLoopDevice(_:below:deadline:)``).
            if Array(arguments.prefix(2)) == ["-t", "ext4"], let device = arguments.dropLast().last, device.hasPrefix("/dev/loop") {
                let flags = arguments.count == 6 ? words : []
                appendMount(
                    at: arguments[arguments.count - 1], fstype: "ext4", source: device, mountOptions: perMountOptions(flags),
                    superOptions: "rw,relatime", on: host)
                return .success()
            }
            if Array(arguments.prefix(4)) == ["-t", "overlay", "overlay", "-o"], arguments.count == 6 {
                appendMount(at: arguments[5], fstype: "overlay", source: "overlay", superOptions: "rw,\(arguments[4]),uuid=on", on: host)
                return .success()
            }
            if arguments.first == "-o", arguments.count == 3, Array(words.prefix(2)) == ["remount", "bind"] {
                guard remountFlags(at: arguments[2], flags: Array(words.dropFirst(2)), on: host) else {
                    return .failure(exit: 32, stderr: "mount: \(arguments[2]): not mounted.")
                }
                return .success()
            }
            return .failure(exit: 1, stderr: "mount: bad usage \(arguments)")
        }
        runner.on(prefix: ["umount"]) { command in
            log(command, on: host)
            guard let path = command.arguments.last else { return .failure(exit: 1, stderr: "umount: bad usage") }
            guard unmount(path, on: host) else { return .failure(exit: 32, stderr: "umount: \(path): not mounted.") }
            return .success()
        }
        runner.on(prefix: ["losetup", "--detach"]) { command in
            log(command, on: host)
            let device = command.arguments.last ?? ""
            host.update { $0.loopDevices.removeAll { $0.device == device } }
            return .success()
        }
        runner.on(prefix: ["mkfs.ext4"]) { command in
            log(command, on: host)
            return .success()
        }
        runner.on(prefix: ["fsfreeze"]) { command in
            log(command, on: host)
            return .success()
        }
        runner.on(prefix: ["sync"]) { command in
            log(command, on: host)
            return .success()
        }
    }

    /// The per-mount options mountinfo shows for a mount made with `flags` (`nosuid`, `dev`, ...).
    static func perMountOptions(_ flags: [String]) -> String {
        (["rw"] + ["nosuid", "nodev", "noexec"].filter(flags.contains) + ["relatime"]).joined(separator: ",")
    }

    /// `mount -o remount,bind,FLAGS PATH`: the top mount at `path` gets `flags` as its per-mount options.
    static func remountFlags(at path: String, flags: [String], on host: FakeHost) -> Bool {
        let text = (try? host.mountInfo()) ?? ""
        guard let top = MountInfoParser.parse(text).last(where: { $0.mountPoint == path }) else { return false }
        host.removeMountInfo(at: path, onlyTop: true)
        host.appendMountInfo(
            FakeHost.mountInfoLine(
                id: top.id, parentID: top.parentID, device: top.device, mountPoint: path,
                fstype: top.fstype, source: top.source, mountOptions: perMountOptions(flags),
                superOptions: top.superOptions))
        return true
    }

    /// A loop device for `file` (the lowest free from loop3) mounted at `path` with `flags`.
    @discardableResult
    static func attachAndMount(_ file: String, at path: String, flags: [String] = ["nosuid", "nodev"], on host: FakeHost) -> String {
        let device: String = host.update { state in
            var number = 3
            while state.loopDevices.contains(where: { $0.device == "/dev/loop\(number)" }) { number += 1 }
            let device = "/dev/loop\(number)"
            state.loopDevices.append(LoopDevice(device: device, backingFile: file))
            return device
        }
        appendMount(at: path, fstype: "ext4", source: device, mountOptions: perMountOptions(flags), superOptions: "rw,relatime", on: host)
        return device
    }

    /// A mount line as the kernel writes it: the superblock options' values escaped like paths (`\040`, ...).
    static func appendMount(
        at path: String, fstype: String, source: String, mountOptions: String = "rw,nosuid,nodev,relatime",
        superOptions: String, on host: FakeHost
    ) {
        let id = 200 + host.snapshot.mountInfo.split(separator: "\n").count
        host.appendMountInfo(
            FakeHost.mountInfoLine(
                id: id, parentID: 44, device: "7:\(id)", mountPoint: path, fstype: fstype,
                source: source, mountOptions: mountOptions, superOptions: FakeHost.escape(superOptions)))
    }

    /// Removes the top mount at `path`; a loop device under it detaches with it (autoclear). False when nothing is
    /// mounted there.
    static func unmount(_ path: String, on host: FakeHost) -> Bool {
        let text = (try? host.mountInfo()) ?? ""
        guard let top = MountInfoParser.parse(text).last(where: { $0.mountPoint == path }) else { return false }
        host.removeMountInfo(at: path, onlyTop: true)
        if top.source.hasPrefix("/dev/loop") {
            host.update { $0.loopDevices.removeAll { $0.device == top.source } }
        }
        return true
    }

    // MARK: Setting the overlay up (not logged)

    /// An image at `/active/root-upper.img` on the volume.
    func putImage(_ text: String = "ext4 image") {
        checkpoint.putFile(VolumeSpec.OverlaySettings.imagePath, text)
    }

    /// The image loop-mounted at the upper mount point, as ``device`` unless the device is taken.
    @discardableResult
    func mountUpper(backingFile: String? = nil) -> String {
        Self.attachAndMount(backingFile ?? image, at: upperMount, on: host)
    }

    /// The overlay mounted at the target with the spec's options (and the kernel's `uuid=on`).
    func mountOverlay(options: String? = nil) {
        Self.appendMount(
            at: Self.target, fstype: "overlay", source: "overlay",
            superOptions: "rw,\(options ?? overlay.overlayOptions),uuid=on", on: host)
    }

    /// Image, loop mount and overlay all in place, as juicectl recorded them.
    func installConvergedOverlay() throws {
        putImage()
        mountUpper()
        mountOverlay()
        try stateStore.update {
            $0.overlayTarget = Self.target
            $0.overlayUpperMount = upperMount
        }
    }

    /// Forgets every host call and command so far.
    func clearCalls() {
        checkpoint.clearCalls()
    }

    // MARK: Reading

    /// The mount points in the mount table, in order.
    var mountPoints: [String] {
        MountInfoParser.parse((try? host.mountInfo()) ?? "").map(\.mountPoint)
    }

    /// The host calls and commands that change something or order a step, with the mount point cut from paths.
    var timeline: [String] {
        host.calls.filter { call in
            ["run ", "writeLocalFile ", "rename ", "removeLocalItem ", "mkdir ", "fsync ", "createSparseFile ", "copyOwnership ", "body"]
                .contains { call.hasPrefix($0) }
        }.map { $0.replacingOccurrences(of: mountPath + "/", with: "/") }
    }

    /// The position of the first timeline entry that is `entry`, recorded as an issue when there is none.
    func position(_ entry: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Int {
        guard let index = timeline.firstIndex(of: entry) else {
            Issue.record("no '\(entry)' in \(timeline)", sourceLocation: sourceLocation)
            return Int.max
        }
        return index
    }

    /// The argv of every command run, joined, with the mount point cut from paths.
    var commands: [String] { checkpoint.commands }

    // MARK: Running actions

    func run(_ kind: Action.Kind, _ target: String, force: Bool = false) async -> ActionResult.Outcome {
        let payload: Action.Payload =
            switch kind {
            case .unmountOverlay: .unmountOverlay(forceAllowed: force)
            case .unmountOverlayUpper: .unmountOverlayUpper(forceAllowed: force)
            case .unmount: .unmount(forceAllowed: force)
            default: .placeholder(kind, target: target)
            }
        return await executor.execute(Action(payload, .create, target: target, reason: "test"), spec: spec).outcome
    }
}
