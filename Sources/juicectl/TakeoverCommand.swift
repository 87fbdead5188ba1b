import ArgumentParser
import Foundation
import JuiceCtl
import JuiceCtlCore

/// `juicectl takeover FILE`: moves a movable volume's ownership to this host from one that is gone.
struct TakeoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "takeover",
        abstract: "Make this host the owner of a volume whose owner is gone (its host died or was destroyed).",
        discussion: """
            A volume with SQLite metadata and its replica or objects in S3 is owned by one host at a time. When the \\
            owner is gone for good, takeover moves the ownership here with a new generation; `juicectl apply` then \\
            starts the volume here from the replica. If the old host comes back, it finds that it no longer owns the \\
            volume: it neither mounts nor replicates, and a running `juicectl run` there fences it (stops its \\
            Litestream and detaches its mount without writing). Like `terraform force-unlock`, this is the operator's \\
            call: without a terminal it asks for --yes. Exit 0 when this host owns the volume, 1 otherwise.
            """)

    @OptionGroup var selection: VolumeSelection

    @Flag(name: .long, help: "Do not ask: the owner is gone (required without a terminal).")
    var yes = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let spec = try selection.spec()
        try requireRoot("takeover")
        guard case .required(let location) = OwnershipRequirement.of(spec) else {
            throw fail(
                ValidationError(
                    """
                    volume \(spec.name) is not owned by one host at a time (its metadata and replica stay on this host, or its engine \
                    is shared): there is nothing to take over
                    """
                ))
        }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw fail(
                    ValidationError(
                        """
                        takeover moves ownership of \(spec.name) (\(location.display)) away from a host that may still run it; say \
                        --yes once you are sure it is gone
                        """
                    ))
            }
            FileHandle.standardError.write(
                Data("Take volume \(spec.name) over, from whichever host owns it now? Only when that host is gone. [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                throw fail(ValidationError("takeover cancelled; nothing was changed"))
            }
        }
        try await runImperative(selection: selection, global: global, operation: "takeover") { reconciler, onResult in
            try await reconciler.takeover(spec, onResult: onResult)
        }
    }
}
