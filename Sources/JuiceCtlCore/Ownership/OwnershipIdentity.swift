/// Who claims a volume: one juicectl instance on one machine.
///
/// The ``instance`` is the identity that counts. It is a random id juicectl stores once in
/// `<baseDir>/.juicectl/instance-id`, so it survives restarts and reboots of the same installation, and two base
/// directories on one machine (two "hosts" in the tests) are two owners. The other fields say where the owner ran,
/// for people reading a conflict: its host name, `/etc/machine-id`, the kernel's boot id and the process id.
public struct OwnershipIdentity: Sendable, Hashable, Codable {
    /// The host name (`/proc/sys/kernel/hostname`).
    public var host: String
    /// `/etc/machine-id`, or `unknown` where it is missing.
    public var machineId: String
    /// `/proc/sys/kernel/random/boot_id`: which boot of the machine.
    public var bootId: String
    /// The random id of this installation (its base directory): what makes two owners different.
    public var instance: String
    /// The process that claims.
    public var pid: Int32

    /// Creates an identity.
    public init(host: String, machineId: String, bootId: String, instance: String, pid: Int32) {
        self.host = host
        self.machineId = machineId
        self.bootId = bootId
        self.instance = instance
        self.pid = pid
    }

    /// `host web-2 (instance 3f2a9c1d, pid 4242)`: short enough for one line of a plan.
    public var summary: String {
        "host \(host) (instance \(instance.prefix(8)), pid \(pid))"
    }
}
