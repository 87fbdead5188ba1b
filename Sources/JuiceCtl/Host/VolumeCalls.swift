package import Foundation
package import JuiceCtlCore

/// How a call on the volume through descriptors ended.
package enum VolumeCallResult: Sendable, Hashable {
    /// It did what it was asked.
    case done
    /// The system call failed with this errno (`ENOENT` when something is missing, `EEXIST` when a name is taken,
    /// `ELOOP` or `ENOTDIR` for a symbolic link on the way, `ETIMEDOUT` when the deadline passed).
    case failed(errno: Int32)
    /// A directory on the way is one root must not act through; nothing was done.
    case unsafe(UnsafeVolumeEntry)
}

/// A file read on the volume through descriptors.
package enum VolumeFileRead: Sendable, Hashable {
    /// Its bytes.
    case contents(Data)
    /// The errno (`ENOENT` when it is not there, `ELOOP` when it is a symbolic link, `EINVAL` when it is not a
    /// regular file, `ETIMEDOUT` when the deadline passed).
    case failed(errno: Int32)
    /// A directory on the way is one root must not act through; nothing was read.
    case unsafe(UnsafeVolumeEntry)
}

/// juicectl's calls on a mounted volume, by paths from the volume root (`/checkpoints/.juicectl/lineage.json`).
///
/// Every call opens the mount root, then each directory on the way name by name relative to the one before with
/// `O_PATH | O_DIRECTORY | O_NOFOLLOW`, so a symbolic link anywhere on the way stops it; each of juicectl's own
/// directories on the way (``VolumeLayout/isGuarded(_:)``) must, by `fstat` of the descriptor just opened, be owned by
/// root and writable by nobody else, or the call ends ``VolumeCallResult/unsafe(_:)``. The last name is acted on with
/// the `*at` calls relative to its directory's descriptor, never followed. A name someone swaps meanwhile changes
/// nothing: juicectl keeps working on the directories it verified.
package protocol VolumeCalling: Sendable {
    /// `lstat` of the volume root and of each path in `paths` (a missing one left out); `nil` when the root cannot be
    /// opened or the deadline passed. A path below an unsafe directory is left out (its directory's finding says
    /// why).
    func guardedEntries(_ paths: [String], below root: String, deadline: Duration) async -> VolumeGuardObservation?
    /// The bytes of the regular file at `path`.
    func readVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeFileRead
    /// Replaces the file at `path` atomically: a temporary file with a random name beside it, created exclusively
    /// with `mode`, written, fsynced, renamed over `path`; the directory fsynced.
    func writeVolumeFile(_ path: String, _ data: Data, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult
    /// Creates the directory `path` (its parent must exist) with exactly `mode` (`EEXIST` when something is there).
    func makeVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult
    /// Removes the file (never a directory) at `path`.
    func removeVolumeFile(_ path: String, below root: String, deadline: Duration) async -> VolumeCallResult
    /// `renameat2(2)` of `source` to `destination`.
    func renameOnVolume(_ source: String, to destination: String, mode: RenameMode, below root: String, deadline: Duration) async
        -> VolumeCallResult
    /// Gives the entry at `destination` the owner, group and permission bits of the entry at `source` (neither
    /// followed if it is a link: a link fails with `ELOOP`).
    func copyVolumeOwnership(from source: String, to destination: String, below root: String, deadline: Duration) async -> VolumeCallResult
    /// Makes the directory at `path` (the root for `/`) owned by root:root with `mode`, through its descriptor.
    func secureVolumeDirectory(_ path: String, mode: UInt16, below root: String, deadline: Duration) async -> VolumeCallResult
    /// Creates the regular file `path` exclusively, 0600, sized `size` (sparse), and keeps it open: the returned file
    /// is what later programs are given (``OpenVolumeFile/procPath``), never the name.
    func createVolumeFile(_ path: String, size: UInt64, below root: String, deadline: Duration) async -> Result<
        OpenVolumeFile, VolumeCallFailure
    >
    /// Attaches a free loop device to the regular file at `path`, opened through descriptors (`LOOP_CONFIGURE` on
    /// juicectl's own descriptor, never a name a program resolves again), with autoclear: the device detaches by
    /// itself when its last user goes. The device stays open until the result is released, so that a mount of it
    /// takes its reference first.
    func attachLoopDevice(_ path: String, below root: String, deadline: Duration) async -> Result<AttachedLoopDevice, VolumeCallFailure>
    /// Takes an exclusive `flock` on the file at `path` (created 0600 if missing; it must be a regular file owned by
    /// root with one name), waiting up to `timeout`.
    ///
    /// - Throws: ``VolumeLock/Busy`` naming the holder when the timeout passes; ``VolumeCallFailure`` when the file
    ///   cannot be opened safely.
    func volumeLock(_ path: String, below root: String, operation: String, timeout: Duration) async throws -> any HeldLock
    /// Removes the regular file `name` in the local directory `directory` only if `lstat` shows a regular file owned
    /// by root (for juicefs's leftovers in `/tmp`, which anyone may write); whether it was removed.
    func removeRootOwnedFile(named name: String, in directory: String) -> Bool
}

/// Why a call on the volume did not succeed, as an error.
package struct VolumeCallFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was asked (`write /checkpoints/.juicectl/lineage.json`).
    package var operation: String
    /// The result.
    package var result: VolumeCallResult

    /// Creates a failure.
    package init(operation: String, result: VolumeCallResult) {
        self.operation = operation
        self.result = result
    }

    package var description: String {
        switch result {
        case .done: "\(operation) succeeded"
        case .failed(let code) where code == ETIMEDOUT: "\(operation) did not answer in time: the mount may be hung"
        case .failed(let code) where code == ELOOP:
            "\(operation) refused: the last name is a symbolic link, which juicectl never follows on the volume"
        case .failed(let code): "\(operation) failed: \(String(cString: strerror(code)))"
        case .unsafe(let entry):
            """
            \(operation) refused: \(entry); juicectl does not act as root through an entry someone else could have planted (move it \
            away and run apply)
            """
        }
    }
}

/// A file juicectl created on the volume and holds open: programs get ``procPath``, the kernel's name for this very
/// file, so a swapped name cannot send them elsewhere. Closed when released.
package final class OpenVolumeFile: Sendable {
    /// `/proc/<juicectl's pid>/fd/<n>` (a child resolves it to the same file; `/proc/self` would be the child's).
    package let procPath: String
    private let descriptor: Int32

    /// Wraps an open descriptor (`-1` for a fake with no descriptor: then `procPath` is the path itself).
    package init(descriptor: Int32, procPath: String) {
        self.descriptor = descriptor
        self.procPath = procPath
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}

/// A loop device juicectl attached to a file on the volume, held open until released (or deinitialised).
package final class AttachedLoopDevice: Sendable {
    /// `/dev/loopN`.
    package let device: String
    private let descriptor: Int32

    /// Wraps the open device (`-1` for a fake).
    package init(device: String, descriptor: Int32) {
        self.device = device
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
