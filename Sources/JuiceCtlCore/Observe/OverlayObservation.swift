/// The overlay's parts as found on the host: the image on the volume, its loop mount, the overlay mount, loop
/// devices left attached to an image, a freeze juicectl may have left behind, and a quarantined image.
public struct OverlayObservation: Sendable, Hashable, Codable {
    /// Whether `/active/root-upper.img` exists on the volume; `nil` while the volume is not mounted.
    public var imageExists: Bool?
    /// The inode of `/active/root-upper.img`, when it was found.
    public var imageInode: UInt64?
    /// The inode of the file behind the loop device at the image's mount point, when the device answers. Another
    /// inode than ``imageInode`` means `/active` was replaced under the mount: a restore, here or on another host
    /// of a shared volume (whose rename this host's kernel does not see, so the loop device's path still reads as
    /// the image's).
    public var upperBackingInode: UInt64?
    /// The per-mount options (`rw,nosuid,nodev,relatime`) of what is mounted at the image's mount point, when
    /// something is.
    public var upperMountOptions: String?
    /// The per-mount options of what is mounted at the overlay target, when something is (an overlay option such as
    /// `nosuid` shows here, not among the superblock's options).
    public var overlayMountOptions: String?
    /// What is mounted at the image's mount point.
    public var upper: MountPoint
    /// What is mounted at the overlay target.
    public var overlay: MountPoint
    /// Loop devices backed by an image file on this volume that nothing mounts (`/dev/loopN`).
    public var strayLoopDevices: [String]
    /// juicectl froze the image's filesystem and did not record the thaw (it was killed while frozen).
    public var frozenByCrash: Bool
    /// Lower directories that do not exist.
    public var missingLowerDirs: [String]
    /// An image that failed to mount, as juicectl recorded it: why, and (once moved aside) where it went.
    public var corruption: Corruption?
    /// The paths juicectl mounted the overlay and the image at (from its state file), to take them down when the
    /// spec no longer has an overlay.
    public var recordedTarget: String?
    /// See ``recordedTarget``.
    public var recordedUpperMount: String?

    /// What one mount point holds.
    public enum MountPoint: Sendable, Hashable, Codable {
        /// Nothing.
        case absent
        /// The image (on a loop device): the device and the file backing it now.
        case image(device: String, backingFile: String)
        /// An overlay with these superblock options as mountinfo writes them (`lowerdir=…,upperdir=…,workdir=…,…`,
        /// with a space in a path as `\040`).
        case overlay(options: String)
        /// Something else.
        case other(fstype: String, source: String)
    }

    /// A recorded mount failure of the image.
    public struct Corruption: Sendable, Hashable, Codable {
        /// What mount said.
        public var reason: String
        /// Where the image was moved; `nil` while it is still in place.
        public var movedTo: String?

        /// Creates a record.
        public init(reason: String, movedTo: String?) {
            self.reason = reason
            self.movedTo = movedTo
        }
    }

    /// Creates an observation.
    public init(
        imageExists: Bool?, upper: MountPoint = .absent, overlay: MountPoint = .absent, strayLoopDevices: [String] = [],
        frozenByCrash: Bool = false, missingLowerDirs: [String] = [], corruption: Corruption? = nil,
        recordedTarget: String? = nil, recordedUpperMount: String? = nil
    ) {
        self.imageExists = imageExists
        self.upper = upper
        self.overlay = overlay
        self.strayLoopDevices = strayLoopDevices
        self.frozenByCrash = frozenByCrash
        self.missingLowerDirs = missingLowerDirs
        self.corruption = corruption
        self.recordedTarget = recordedTarget
        self.recordedUpperMount = recordedUpperMount
    }
}
