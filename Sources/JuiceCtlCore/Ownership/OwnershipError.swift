/// Why the ownership of a volume could not be settled. Every message names the location (without secrets) and says
/// what to do next. Errors of the store itself (an HTTP status, an errno) are the store's own.
public enum OwnershipError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The object or file at the location is not a record this juicectl reads.
    case unreadableRecord(location: String, problem: String)
    /// The location holds the record of another volume: two volumes share a replica location.
    case foreignRecord(location: String, found: String, expected: String)
    /// The volume needs an ownership record (SQLite metadata, objects in S3) but has no replica to keep it in.
    case noLocation(volume: String)
    /// The S3 replica names no keys; juicectl cannot sign its own requests with the ambient credentials.
    case ambientCredentials(volume: String, location: String)
    /// Every attempt took more than half the settle time between its read and its write.
    case storeTooSlow(location: String, attempts: Int, settle: Duration)
    /// The store returned from a write later than the claim's budget for it: the store did not keep its deadline,
    /// so the write may have landed after a racing claimer's check.
    case writeOutlivedBudget(location: String, budget: Duration)
    /// What this instance remembers owning cannot be read or written.
    case memory(path: String, problem: String)

    public var description: String {
        switch self {
        case .unreadableRecord(let location, let problem):
            return "the ownership record at \(location) cannot be read: \(problem). Move the object aside if it is not "
                + "juicectl's, or upgrade juicectl if a newer one wrote it"
        case .foreignRecord(let location, let found, let expected):
            return "the ownership record at \(location) is volume \(found)'s, not \(expected)'s: two volumes share one "
                + "replica location. Give each volume its own backup.replica prefix or path"
        case .noLocation(let volume):
            return "volume \(volume) keeps SQLite metadata and its objects in S3, so another host could pick it up, but "
                + "it has no backup replica to keep its ownership record in. Enable backup with an S3 replica "
                + "(backup.replica.type: s3), or a file replica on a filesystem every host of the volume shares"
        case .ambientCredentials(let volume, let location):
            return "volume \(volume) needs an ownership record at \(location), and juicectl writes it with curl, which "
                + "cannot use the ambient credentials Litestream would (instance role, AWS profile, session token). "
                + "Name the keys in the spec (backup.replica.accessKey and backup.replica.secretKey as {env: NAME} or "
                + "{file: PATH}) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY without AWS_SESSION_TOKEN"
        case .storeTooSlow(let location, let attempts, let settle):
            return "claiming the ownership record at \(location) failed \(attempts) times: the store took more than half "
                + "the settle time (\(settle.shortText)) between a read and the write. Check the store's latency, or raise the "
                + "settle time"
        case .writeOutlivedBudget(let location, let budget):
            return "writing the ownership record at \(location) returned after its budget of \(budget.shortText): the store did "
                + "not keep its deadline, so the claim is not trusted. Check the store, then claim again"
        case .memory(let path, let problem):
            return "what this host remembers owning (\(path)) \(problem). Check the base directory's filesystem"
        }
    }
}
