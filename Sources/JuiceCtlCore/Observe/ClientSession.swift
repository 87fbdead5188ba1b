/// A client of a volume's metadata engine, as `juicefs status` lists it: a mount, a gateway or another command,
/// on this host or another one.
public struct ClientSession: Sendable, Hashable, Codable {
    /// The engine's session id.
    public var sid: Int
    /// The client's host name.
    public var hostName: String?
    /// Where it is mounted (`s3gateway` for a gateway).
    public var mountPoint: String?
    /// The client's process id on its host.
    public var processID: Int?
    /// When the session expires unless the client renews it (about a minute after its last heartbeat).
    public var expire: String?

    /// Creates a session.
    public init(sid: Int, hostName: String?, mountPoint: String?, processID: Int?, expire: String?) {
        self.sid = sid
        self.hostName = hostName
        self.mountPoint = mountPoint
        self.processID = processID
        self.expire = expire
    }

    /// `host:/mount/point (pid N, session S)`.
    public var summary: String {
        "\(hostName ?? "?"):\(mountPoint ?? "?") (pid \(processID.map(String.init) ?? "?"), session \(sid))"
    }
}
