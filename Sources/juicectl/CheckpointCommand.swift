import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl checkpoint create|list|delete`.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Create, list and delete checkpoints (clones of /active kept under checkpoints/).",
        subcommands: [CheckpointCreateCommand.self, CheckpointListCommand.self, CheckpointDeleteCommand.self])
}

/// Options of commands that act on one volume of a spec file.
struct VolumeSelection: ParsableArguments {
    @Argument(help: "The spec file.")
    var file: String

    @Option(name: .long, help: "The volume, when the file declares several.")
    var volume: String?

    @Flag(name: .long, help: "Print the result as JSON (no progress is shown).")
    var json = false

    /// The one volume the command acts on.
    func spec() throws -> VolumeSpec {
        let (specs, _) = try loadSpecs([file])
        if let volume {
            guard let spec = specs.first(where: { $0.name == volume }) else {
                throw ValidationError(
                    "\(file) declares no volume named \(volume) (it declares: \(specs.map(\.name).joined(separator: ", ")))")
            }
            return spec
        }
        guard specs.count == 1, let spec = specs.first else {
            throw ValidationError(
                "\(file) declares \(specs.count) volumes (\(specs.map(\.name).joined(separator: ", "))); choose one with --volume")
        }
        return spec
    }
}

struct CheckpointCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Clone /active into checkpoints/NAME (metadata-only, owners and modes kept). Existing names are never overwritten.",
        discussion: """
            With checkpoints.quiesce in the spec, the sandbox's cgroups are frozen from just before the clone until just \
            after it, so the checkpoint is the tree at one instant (the frozen window is reported). Without it, each file \
            is copied consistently, but a tree that is written during the clone is not copied at one instant.
            """)

    @OptionGroup var selection: VolumeSelection

    @Argument(help: "The checkpoint's name: 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit.")
    var name: String

    @Option(name: .long, help: "A note kept in the checkpoint's manifest.")
    var note: String?

    @Flag(name: .long, help: "Pin it: retention never removes it and delete needs --force.")
    var pin = false

    @Option(name: .long, help: "A label KEY=VALUE (repeatable).")
    var label: [String] = []

    @Flag(
        name: .long,
        help:
            """
            Return only once the checkpoint survives the loss of this host: its metadata in the replica, no block it references only \
            staged here.
            """
    )
    var durable = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do { try CheckpointName.validate(name) } catch { throw ValidationError("\(error)") }
        for item in label where !item.contains("=") { throw ValidationError("--label '\(item)' is not KEY=VALUE") }
    }

    func run() async throws {
        let spec = try selection.spec()
        try requireRoot("checkpoint create")
        var labels: [String: String] = [:]
        for item in label {
            let parts = item.split(separator: "=", maxSplits: 1)
            labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        var request = Action.CheckpointRequest(name: name, kind: .manual, note: note, pinned: pin, labels: labels)
        request.durable = durable
        try await runImperative(selection: selection, global: global, operation: "checkpoint create") { reconciler, onResult in
            try await reconciler.createCheckpoint(spec, request, onResult: onResult)
        }
    }
}

struct CheckpointDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Remove checkpoints/NAME and its manifest. Space returns after the volume's trash days.",
        discussion: "A checkpoint that a process or a mount still reaches is kept (the command names them) unless --force.")

    @OptionGroup var selection: VolumeSelection

    @Argument(help: "The checkpoint's name.")
    var name: String

    @Flag(name: .long, help: "Delete even a pinned checkpoint, or one still in use.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do { try CheckpointName.validate(name) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let spec = try selection.spec()
        try requireRoot("checkpoint delete")
        try await runImperative(selection: selection, global: global, operation: "checkpoint delete") { reconciler, onResult in
            try await reconciler.deleteCheckpoint(spec, name: name, force: force, onResult: onResult)
        }
    }
}

struct CheckpointListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List checkpoints: name, kind, created (UTC), parent, pinned, note.")

    @OptionGroup var selection: VolumeSelection

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let spec = try selection.spec()
        try requireRoot("checkpoint list")
        let reconciler: Reconciler
        do { reconciler = try global.makeReconciler() } catch { throw fail(error) }
        let listing: Reconciler.CheckpointListing
        do { listing = try await reconciler.checkpoints(spec) } catch { throw fail(error) }
        emit(selection.json ? CheckpointRenderer.json(listing, volume: spec.name) : CheckpointRenderer.human(listing, volume: spec.name))
    }
}

/// `juicectl restore FILE NAME`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Make /active a clone of checkpoint NAME; the replaced tree is kept as a pre-restore checkpoint.",
        discussion: """
            Crash-safe: an interrupted restore is completed or rolled back by the next apply. A tree in use is never \
            swapped from under its users: processes with their working directory, root, open files or memory maps in \
            /active or the overlay, and mounts of any part of it, in any mount namespace, make the restore refuse \
            (naming them) and change nothing, unless --terminate-users is given. A mount in juicectl's own mount \
            namespace always refuses. Exit 0 on success, 1 otherwise.
            """)

    @OptionGroup var selection: VolumeSelection

    @Argument(help: "The checkpoint to restore.")
    var name: String

    @Flag(name: .long, help: "Terminate the processes that use /active (SIGTERM, then SIGKILL after --grace) instead of refusing.")
    var terminateUsers = false

    @Option(name: .long, help: "With --terminate-users: how long processes get between SIGTERM and SIGKILL.")
    var grace = "10s"

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do { try CheckpointName.validate(name) } catch { throw ValidationError("\(error)") }
        guard TimeSpan.parse(grace) != nil else { throw ValidationError("--grace: '\(grace)' is not a duration such as 10s or 1m") }
    }

    func run() async throws {
        let spec = try selection.spec()
        try requireRoot("restore")
        let grace = TimeSpan.parse(grace) ?? VolumeSpec.RestoreRequest.defaultGrace
        try await runImperative(selection: selection, global: global, operation: "restore") { reconciler, onResult in
            try await reconciler.restore(spec, name: name, terminateUsers: terminateUsers, grace: grace, onResult: onResult)
        }
    }
}

/// Runs one checkpoint operation with progress and prints its results; exits 1 when an action failed.
func runImperative(
    selection: VolumeSelection, global: GlobalOptions, operation: String,
    _ body: (Reconciler, @escaping @Sendable (ActionResult) -> Void) async throws -> Reconciler.Report
) async throws {
    let reconciler: Reconciler
    do {
        reconciler = try global.makeReconciler(progress: TerminalProgress.make(quiet: selection.json))
    } catch {
        throw fail(error)
    }
    let json = selection.json
    let report: Reconciler.Report
    do {
        report = try await body(reconciler) { result in
            if !json { emit(ReportRenderer.line(result) + "\n") }
        }
    } catch {
        throw fail(error)
    }
    if json { emit(ReportRenderer.json([report], operation: operation)) }
    if report.failed { throw ExitCode(1) }
}
